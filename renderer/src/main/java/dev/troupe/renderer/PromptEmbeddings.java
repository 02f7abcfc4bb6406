package dev.troupe.renderer;

/**
 * What the text encoders made of B prompts: {@code states [B, L, D]} for the UNet's cross-attention, and for SDXL the
 * pooled {@code text_embeds [B, P]} (null for SD 1.x / 2.x).
 */
public record PromptEmbeddings(int count, int length, int hidden, float[] states, int pooledSize, float[] pooled) {

    public PromptEmbeddings {
        if (states.length != count * length * hidden) {
            throw new IllegalArgumentException("states hold " + states.length + " values, not " + count + " x " + length
                    + " x " + hidden);
        }
        if ((pooled == null) != (pooledSize == 0) || pooled != null && pooled.length != count * pooledSize) {
            throw new IllegalArgumentException("pooled embeddings do not match " + count + " x " + pooledSize);
        }
    }

    /** Values per prompt in {@link #states()}: {@code L * D}. */
    public int stateSize() {
        return length * hidden;
    }
}
