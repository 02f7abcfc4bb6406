package dev.troupe.renderer.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A {@code tokenizer.json} through DJL's binding of the HuggingFace tokenizers library, loaded from a path (never a
 * hub name). DJL truncates (keeping BOS and EOS, as the file's post-processor adds them); padding is done here so
 * that the ids always have the encoder's length and the right pad id, whatever DJL's defaults would do to the
 * file's own padding section.
 */
public final class HuggingFacePromptTokenizer implements PromptTokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int length;
    private final int padId;

    private HuggingFacePromptTokenizer(HuggingFaceTokenizer tokenizer, int length, int padId) {
        this.tokenizer = tokenizer;
        this.length = length;
        this.padId = padId;
    }

    /**
     * @param padId the pad id (the file's {@code padding.pad_id}, or the pad token's id), or null to pad with EOS
     */
    public static HuggingFacePromptTokenizer load(Path tokenizerJson, int length, Integer padId) throws IOException {
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                "padding", "false",
                "truncation", "true",
                "maxLength", Integer.toString(length),
                "addSpecialTokens", "true"));
        int pad;
        if (padId != null) {
            pad = padId;
        } else {
            long[] empty = tokenizer.encode("").getIds();
            pad = empty.length == 0 ? 0 : (int) empty[empty.length - 1]; // EOS closes every sequence, as in SD 1.x
        }
        return new HuggingFacePromptTokenizer(tokenizer, length, pad);
    }

    @Override
    public int[] encode(String prompt) {
        Encoding encoding = tokenizer.encode(prompt);
        long[] ids = encoding.getIds();
        long[] mask = encoding.getAttentionMask();
        int[] out = new int[length];
        Arrays.fill(out, padId);
        int n = 0;
        for (int i = 0; i < ids.length && n < length; i++) {
            if (mask.length == ids.length && mask[i] == 0) {
                continue; // padding that the library added after all
            }
            out[n++] = (int) ids[i];
        }
        if (n == length && ids.length > length) {
            out[length - 1] = (int) ids[ids.length - 1]; // keep EOS last if the library did not truncate
        }
        return out;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public String description() {
        return "tokenizer.json (HuggingFace tokenizers via DJL), pad id " + padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
