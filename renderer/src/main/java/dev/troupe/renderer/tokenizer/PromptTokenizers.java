package dev.troupe.renderer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the tokenizer of a diffusers {@code tokenizer/} folder: {@code tokenizer.json} through HuggingFace
 * tokenizers when present, else the CLIP BPE files {@code vocab.json} + {@code merges.txt}.
 *
 * <p>The pad id comes from, in order: tokenizer.json's {@code padding.pad_id}; the {@code pad_token} named in
 * {@code special_tokens_map.json} or {@code tokenizer_config.json} ("!" for SD 2.x); else EOS (SD 1.x).
 */
public final class PromptTokenizers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptTokenizers() {
    }

    /** True when the folder holds a tokenizer this class can open. */
    public static boolean present(Path folder) {
        return Files.isRegularFile(folder.resolve("tokenizer.json"))
                || (Files.isRegularFile(folder.resolve("vocab.json")) && Files.isRegularFile(folder.resolve("merges.txt")));
    }

    public static PromptTokenizer open(Path folder, int length) throws IOException {
        Path tokenizerJson = folder.resolve("tokenizer.json");
        String padToken = padToken(folder);
        if (Files.isRegularFile(tokenizerJson)) {
            JsonNode root = JSON.readTree(tokenizerJson.toFile());
            Integer padId = null;
            JsonNode padding = root.path("padding");
            if (padding.has("pad_id")) {
                padId = padding.get("pad_id").asInt();
            } else if (padToken != null) {
                padId = idOf(root, padToken);
            }
            return HuggingFacePromptTokenizer.load(tokenizerJson, length, padId);
        }
        return ClipBpeTokenizer.load(folder, padToken, length);
    }

    private static String padToken(Path folder) throws IOException {
        for (String name : new String[] {"special_tokens_map.json", "tokenizer_config.json"}) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) {
                JsonNode pad = JSON.readTree(file.toFile()).path("pad_token");
                if (pad.isTextual()) {
                    return pad.asText();
                }
                if (pad.path("content").isTextual()) {
                    return pad.path("content").asText();
                }
            }
        }
        return null;
    }

    private static Integer idOf(JsonNode tokenizerJson, String token) {
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.path("id").asInt();
            }
        }
        JsonNode id = tokenizerJson.path("model").path("vocab").path(token);
        return id.isInt() ? id.asInt() : null;
    }
}
