package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.scene.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * LLM answers on disk, one small JSON file per exchange, named by the SHA-256 of everything that
 * decides the answer: provider, model, prompt version, system prompt, schema and the conversation
 * (which holds the request). A re-run of the same batch makes no calls. Files are written atomically;
 * they hold the model, the prompt version and the answer, never an API key.
 */
final class LlmCache {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    LlmCache(Path dir) {
        this.dir = dir;
    }

    static String key(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** @return the cached answer, or null (also for an unreadable entry, which a new answer then replaces) */
    String get(String key) {
        Path file = file(key);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode entry = JSON.readTree(file.toFile());
            JsonNode answer = entry == null ? null : entry.get("answer");
            return answer == null || !answer.isTextual() ? null : answer.asText();
        } catch (IOException e) {
            return null;
        }
    }

    void put(String key, String model, String promptVersion, String task, String answer) {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("model", model);
        entry.put("promptVersion", promptVersion);
        entry.put("task", task);
        entry.put("answer", answer);
        AtomicFiles.writeString(file(key), entry.toPrettyString() + "\n");
    }

    Path file(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".json");
    }
}
