package dev.troupe.composer.window;

import java.util.List;

/**
 * Where the background prompt still needs to run once regions are placed: a tile's crop reduced to the part of the
 * tile that the regions leave uncovered, plus a little context, or nothing at all when the regions cover the tile.
 *
 * <p>Why it does not change the result measurably: the fused prediction at a latent pixel p is
 * {@code (b t(p) eps_bg + sum_i w_i(p) eps_i) / (b t(p) + sum_i w_i(p))} ({@code fusion/PredictionFusion}), with
 * {@code b} the background weight (0.05 by default) and {@code t(p) <= 1} the tiles' ramps. Where the regions'
 * weights add up to {@code W(p) >= 4 b} (0.2 by default: a box, or the inner part of a region's feathered margin),
 * the background's share is at most {@code b / (b + 4 b) = 1/5}; it is dropped there and the fusion renormalises
 * over the regions, whose margins draw the backdrop around their subjects anyway. Where {@code W(p) < 4 b} (beyond
 * every margin, or under regions weighted down) the background keeps its full tile weight, so no pixel is left
 * without a prediction, and a plan without regions draws exactly as before. A large background weight (over 1/4)
 * trims nothing outside the boxes' interiors of weight-1 regions.
 *
 * <p>The reduced crop is the bounding rectangle of the tile's uncovered pixels grown by {@code context} latent pixels
 * on each side (the UNet sees some of what surrounds the strip it predicts), rounded up to the UNet's multiple
 * inside the tile; its weights are the tile's, fading linearly to 0 across that context, so the hand-over to the
 * regions is as smooth as a region's own margin.
 */
public final class BackgroundTrim {
    /** The most the background may count where it is dropped: b / (b + W) <= 1/5. */
    static final double SHARE = 0.2;

    private BackgroundTrim() {
    }

    /**
     * The regions' summed weight at every latent pixel {@code [height * width]}, for one phase of the loop.
     *
     * @param bootstrapping while bootstrapping, a region counts inside its box only ({@link PromptWindow#weights})
     */
    public static float[] coverage(List<PromptWindow> regions, int width, int height, boolean bootstrapping) {
        float[] w = new float[width * height];
        for (PromptWindow r : regions) {
            RegionWindow win = r.window();
            float[] weights = r.weights(bootstrapping);
            for (int j = 0; j < win.height(); j++) {
                for (int i = 0; i < win.width(); i++) {
                    w[(win.y() + j) * width + win.x() + i] += weights[j * win.width() + i];
                }
            }
        }
        return w;
    }

    /** The regions' summed weight from which they cover a pixel, for background weight {@code b}: 4 b. */
    public static float coveredFrom(double backgroundWeight) {
        return (float) (backgroundWeight * (1 - SHARE) / SHARE);
    }

    /**
     * The part of {@code tile} the background still runs on: the tile itself when the regions leave all of it
     * uncovered, a smaller window when they cover part of it, null when they cover all of it.
     *
     * @param coverage    {@link #coverage} of the canvas, {@code canvasWidth} wide
     * @param covered     {@link #coveredFrom} the background weight
     * @param multipleOf  crop sides are multiples of this (UNet down-sampling)
     * @param context     latent pixels kept around the uncovered part, over which the weight fades out
     */
    public static RegionWindow trim(RegionWindow tile, float[] coverage, float covered, int canvasWidth,
                                    int multipleOf, int context) {
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int j = 0; j < tile.height(); j++) {
            for (int i = 0; i < tile.width(); i++) {
                if (coverage[(tile.y() + j) * canvasWidth + tile.x() + i] < covered) {
                    x0 = Math.min(x0, i);
                    y0 = Math.min(y0, j);
                    x1 = Math.max(x1, i + 1);
                    y1 = Math.max(y1, j + 1);
                }
            }
        }
        if (x1 < 0) {
            return null;
        }
        if (x0 == 0 && y0 == 0 && x1 == tile.width() && y1 == tile.height()) {
            return tile;
        }
        int[] xs = RegionWeights.span(x0 - context, x1 + context, multipleOf, tile.width());
        int[] ys = RegionWeights.span(y0 - context, y1 + context, multipleOf, tile.height());
        int w = xs[1] - xs[0], h = ys[1] - ys[0];
        float[] weights = new float[w * h];
        for (int j = 0; j < h; j++) {
            double fy = RegionWeights.feather(ys[0] + j, y0, y1, context);
            for (int i = 0; i < w; i++) {
                double fx = RegionWeights.feather(xs[0] + i, x0, x1, context);
                weights[j * w + i] = (float) (tile.weights()[(ys[0] + j) * tile.width() + xs[0] + i] * fx * fy);
            }
        }
        return new RegionWindow(tile.x() + xs[0], tile.y() + ys[0], w, h, weights);
    }
}
