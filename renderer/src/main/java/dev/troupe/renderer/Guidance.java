package dev.troupe.renderer;

/**
 * Classifier-free guidance: the UNet predicts the noise twice, for the negative prompt (u) and for the positive one
 * (c), in one batch with the negatives first; the scheduler steps with
 *
 * <pre>  eps = u + g (c - u)</pre>
 *
 * A scale of at most 1 runs the positive prompt alone (half the work; turbo and LCM models): eps = c.
 *
 * @param scale g, the guidance scale (--cfg)
 */
public record Guidance(double scale) {

    /** Whether the negative prompts run too: a scale above 1. */
    public boolean active() {
        return scale > 1;
    }

    /** Samples the UNet sees per latent: 2 (negative, positive) with guidance, else 1. */
    public int copies() {
        return active() ? 2 : 1;
    }

    /**
     * Writes the guided prediction of n values into {@code out[0 .. n)} from {@code prediction}: u in
     * {@code [0 .. n)}, c in {@code [n .. 2n)}.
     */
    public void combine(float[] prediction, int n, float[] out) {
        float g = (float) scale;
        for (int e = 0; e < n; e++) {
            float u = prediction[e];
            out[e] = u + g * (prediction[n + e] - u);
        }
    }
}
