package dev.troupe.composer.fusion;

import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.composer.window.WindowGroup;

/**
 * Fuses noise predictions from the background pass and from each region's crop into one prediction for the
 * canvas (Mixture-of-Diffusers style, before the scheduler step):
 *
 * <pre>  eps(p) = (b(p) * eps_bg(p) + sum_i w_i(p) * eps_i(p)) / (b(p) + sum_i w_i(p))</pre>
 *
 * Because DDIM, Euler and DPM++ steps are affine in eps, fusing predictions and then stepping once equals fusing
 * the stepped latents, so one scheduler state serves the whole canvas. Buffers are allocated once per render and
 * {@link #reset()} each step.
 *
 * <p>Tensors: canvas [C, H, W]; a crop prediction [C, h, w] at an offset in a batch buffer.
 */
public final class PredictionFusion {
    private final int channels;
    private final int height;
    private final int width;
    private final float[] sum;
    private final float[] weight;

    public PredictionFusion(int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.sum = new float[channels * height * width];
        this.weight = new float[height * width];
    }

    public void reset() {
        java.util.Arrays.fill(sum, 0f);
        java.util.Arrays.fill(weight, 0f);
    }

    /** Adds a crop's prediction {@code eps[offset ..]} of shape [C, win.height, win.width] with the window's weights. */
    public void add(float[] eps, int offset, RegionWindow win) {
        add(eps, offset, win.x(), win.y(), win.width(), win.height(), win.weights(), 1f);
    }

    /**
     * Adds the predictions {@code [k, C, h, w]} of a group's k windows, each with its weights: a tile's times
     * {@code backgroundWeight}, a region's inside its box only while bootstrapping ({@link PromptWindow#weights}).
     */
    public void add(WindowGroup group, float[] eps, boolean bootstrapping, float backgroundWeight) {
        int crop = channels * group.height() * group.width();
        for (int j = 0; j < group.windows().size(); j++) {
            PromptWindow w = group.windows().get(j);
            RegionWindow win = w.window();
            add(eps, j * crop, win.x(), win.y(), win.width(), win.height(), w.weights(bootstrapping),
                    w.background() ? backgroundWeight : 1f);
        }
    }

    /** Adds a crop's prediction with weights scaled by {@code scale} (e.g. the background's weight). */
    public void add(float[] eps, int offset, int x0, int y0, int w, int h, float[] weights, float scale) {
        int plane = height * width;
        for (int j = 0; j < h; j++) {
            int row = (y0 + j) * width + x0;
            for (int i = 0; i < w; i++) {
                float wt = weights[j * w + i] * scale;
                if (wt == 0f) {
                    continue;
                }
                weight[row + i] += wt;
                for (int c = 0; c < channels; c++) {
                    sum[c * plane + row + i] += wt * eps[offset + (c * h + j) * w + i];
                }
            }
        }
    }

    /** Writes the fused prediction [C, H, W] into {@code out}; pixels nobody predicted get 0. */
    public void resolve(float[] out) {
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            float wt = weight[p];
            float inv = wt > 0f ? 1f / wt : 0f;
            for (int c = 0; c < channels; c++) {
                out[c * plane + p] = sum[c * plane + p] * inv;
            }
        }
    }
}
