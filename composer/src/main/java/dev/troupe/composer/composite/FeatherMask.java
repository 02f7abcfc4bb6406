package dev.troupe.composer.composite;

import dev.troupe.scene.Box;

/**
 * The mask a region rendered with context around its box is blended in with: 1 inside the box, falling linearly to
 * 0 over {@code feather} pixels outside it, so the region replaces the background in its box and its rendered margin
 * fades into the neighbours before its own border shows.
 */
public final class FeatherMask {
    private FeatherMask() {
    }

    /**
     * [height * width], row-major. The fade goes towards the neighbours and the background only: where the box (or
     * its feather) reaches the canvas edge there is nothing to fade into, so the mask stays 1 up to that edge.
     */
    public static float[] around(Box box, int feather, int width, int height) {
        int x0 = Math.max(0, box.x() - feather), y0 = Math.max(0, box.y() - feather);
        int x1 = Math.min(width, box.right() + feather), y1 = Math.min(height, box.bottom() + feather);
        float[] m = new float[width * height];
        for (int y = y0; y < y1; y++) {
            double fy = fade(y, box.y(), box.bottom(), feather);
            for (int x = x0; x < x1; x++) {
                m[y * width + x] = (float) (fy * fade(x, box.x(), box.right(), feather));
            }
        }
        return m;
    }

    /** 1 inside [lo, hi), then 1 - d / (feather + 1) at d pixels outside. */
    private static double fade(int p, int lo, int hi, int feather) {
        int d = p < lo ? lo - p : p >= hi ? p - hi + 1 : 0;
        return d == 0 ? 1.0 : Math.max(0.0, 1.0 - d / (double) (feather + 1));
    }
}
