package dev.troupe.renderer;

import java.util.Arrays;

/**
 * What the UNet is conditioned on besides the latents and the timestep, for n samples: {@code encoder_hidden_states
 * [n, L, D]}, and for SDXL {@code text_embeds [n, P]} and {@code time_ids [n, 6]} (null, and P 0, otherwise). A
 * sample is filled from one prompt of a {@link PromptEmbeddings} and its {@link MicroConditioning}.
 */
public final class Conditioning {
    private final int samples;
    private final int length;
    private final int hidden;
    private final int pooledSize;
    private final float[] states;
    private final float[] textEmbeds;
    private final float[] timeIds;

    /** n samples, all zeros, for embeddings of this shape. */
    public Conditioning(int samples, int length, int hidden, int pooledSize) {
        this.samples = samples;
        this.length = length;
        this.hidden = hidden;
        this.pooledSize = pooledSize;
        this.states = new float[samples * length * hidden];
        this.textEmbeds = pooledSize > 0 ? new float[samples * pooledSize] : null;
        this.timeIds = pooledSize > 0 ? new float[samples * MicroConditioning.SIZE] : null;
    }

    /** n samples of {@code encoder_hidden_states [n, L, D]} alone (SD 1.x / 2.x), copied from {@code states}. */
    public static Conditioning ofStates(int samples, int length, int hidden, float[] states) {
        Conditioning out = new Conditioning(samples, length, hidden, 0);
        System.arraycopy(states, 0, out.states, 0, Math.min(states.length, out.states.length));
        return out;
    }

    /** n samples shaped like {@code like}'s prompts. */
    public static Conditioning like(PromptEmbeddings like, int samples) {
        return new Conditioning(samples, like.length(), like.hidden(), like.pooledSize());
    }

    /** Sample {@code sample} is prompt {@code prompt} of {@code source}, cut as {@code micro} says (SDXL only). */
    public Conditioning set(int sample, PromptEmbeddings source, int prompt, MicroConditioning micro) {
        int s = length * hidden;
        System.arraycopy(source.states(), prompt * s, states, sample * s, s);
        if (textEmbeds != null) {
            System.arraycopy(source.pooled(), prompt * pooledSize, textEmbeds, sample * pooledSize, pooledSize);
            System.arraycopy(micro.timeIds(), 0, timeIds, sample * MicroConditioning.SIZE, MicroConditioning.SIZE);
        }
        return this;
    }

    /** Samples {@code [first, first + count)}, for a slice of a batch. */
    public Conditioning slice(int first, int count) {
        Conditioning out = new Conditioning(count, length, hidden, pooledSize);
        int s = length * hidden;
        System.arraycopy(states, first * s, out.states, 0, count * s);
        if (textEmbeds != null) {
            System.arraycopy(textEmbeds, first * pooledSize, out.textEmbeds, 0, count * pooledSize);
            System.arraycopy(timeIds, first * MicroConditioning.SIZE, out.timeIds, 0, count * MicroConditioning.SIZE);
        }
        return out;
    }

    public int samples() {
        return samples;
    }

    public int length() {
        return length;
    }

    public int hidden() {
        return hidden;
    }

    /** P; 0 without SDXL's added conditions. */
    public int pooledSize() {
        return pooledSize;
    }

    /** {@code [n, L, D]}. */
    public float[] states() {
        return states;
    }

    /** {@code [n, P]}, or null. */
    public float[] textEmbeds() {
        return textEmbeds;
    }

    /** {@code [n, 6]}, or null. */
    public float[] timeIds() {
        return timeIds;
    }

    @Override
    public String toString() {
        return "Conditioning[" + samples + " x (" + length + " x " + hidden + (pooledSize > 0 ? ", " + pooledSize
                + ", time_ids " + Arrays.toString(Arrays.copyOf(timeIds, MicroConditioning.SIZE)) : "") + ")]";
    }
}
