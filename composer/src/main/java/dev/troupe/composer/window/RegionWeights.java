package dev.troupe.composer.window;

/**
 * Builds a region's window: its box grown by a context margin (clipped to the canvas), weighted 1 inside the box
 * and falling linearly to 0 across the margin, times the region's own weight.
 *
 * <p>Why a margin: a UNet that sees only the box draws the subject without its surroundings and the box edge
 * becomes a seam; with context it continues the backdrop, and the feather hands over smoothly to the neighbours.
 */
public final class RegionWeights {
    private RegionWeights() {
    }

    /**
     * @param box          the region's box in latent pixels {x, y, w, h}
     * @param margin       context margin in latent pixels on each side
     * @param multipleOf   crop sizes are rounded up to a multiple of this (UNet down-sampling), inside the canvas
     */
    public static RegionWindow window(int[] box, int margin, int multipleOf, int canvasWidth, int canvasHeight,
                                      double regionWeight) {
        int bx = box[0], by = box[1], bw = box[2], bh = box[3];
        int[] xs = span(bx - margin, bx + bw + margin, multipleOf, canvasWidth);
        int[] ys = span(by - margin, by + bh + margin, multipleOf, canvasHeight);
        int w = xs[1] - xs[0], h = ys[1] - ys[0];
        float[] weights = new float[w * h];
        for (int j = 0; j < h; j++) {
            double fy = feather(ys[0] + j, by, by + bh, margin);
            for (int i = 0; i < w; i++) {
                weights[j * w + i] = (float) (regionWeight * fy * feather(xs[0] + i, bx, bx + bw, margin));
            }
        }
        return new RegionWindow(xs[0], ys[0], w, h, weights);
    }

    /** 1 inside [lo, hi), falling linearly to 0 at {@code margin + 1} pixels outside. */
    static double feather(int p, int lo, int hi, int margin) {
        int outside = p < lo ? lo - p : p >= hi ? p - hi + 1 : 0;
        return outside == 0 ? 1.0 : Math.max(0.0, 1.0 - outside / (double) (margin + 1));
    }

    /** [start, end) grown to a multiple of {@code m}, shifted to stay inside [0, size). */
    static int[] span(int start, int end, int m, int size) {
        start = Math.max(0, start);
        end = Math.min(size, end);
        int cap = size >= m ? size - size % m : size;
        int len = Math.max(Math.min(cap, m), Math.min(cap, ((end - start + m - 1) / m) * m));
        int s = Math.max(0, Math.min(start - (len - (end - start)) / 2, size - len));
        return new int[]{s, s + len};
    }
}
