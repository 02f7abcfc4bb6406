package dev.troupe.composer.window;

import java.util.ArrayList;
import java.util.List;

/**
 * Covers a latent canvas larger than the model's native size with overlapping tiles of the native size, each
 * weighted 1 in its interior and ramping down across the overlap at sides shared with another tile, so a prompt
 * drawn over the whole canvas (the background) never runs the UNet far beyond the size it was trained at.
 */
public final class CanvasTiles {
    private CanvasTiles() {
    }

    /**
     * @param tile    native size in latent pixels (the UNet's sample_size)
     * @param overlap latent pixels shared by neighbouring tiles
     */
    public static List<RegionWindow> cover(int width, int height, int tile, int overlap) {
        int[] xs = starts(width, tile, overlap), ys = starts(height, tile, overlap);
        int tw = Math.min(tile, width), th = Math.min(tile, height);
        List<RegionWindow> out = new ArrayList<>();
        for (int y : ys) {
            for (int x : xs) {
                float[] w = new float[tw * th];
                for (int j = 0; j < th; j++) {
                    double fy = ramp(j, th, y > 0, y + th < height, overlap);
                    for (int i = 0; i < tw; i++) {
                        w[j * tw + i] = (float) (fy * ramp(i, tw, x > 0, x + tw < width, overlap));
                    }
                }
                out.add(new RegionWindow(x, y, tw, th, w));
            }
        }
        return out;
    }

    /** Tile origins from 0 to size - tile, evenly spread, with at least {@code overlap} shared pixels. */
    static int[] starts(int size, int tile, int overlap) {
        if (size <= tile) {
            return new int[]{0};
        }
        int stride = Math.max(1, tile - overlap);
        int n = (int) Math.ceil((size - tile) / (double) stride) + 1;
        int[] s = new int[n];
        for (int k = 0; k < n; k++) {
            s[k] = (int) Math.round(k * (size - tile) / (double) (n - 1));
        }
        return s;
    }

    private static double ramp(int i, int len, boolean sharedBefore, boolean sharedAfter, int overlap) {
        double r = 1.0;
        if (sharedBefore && i < overlap) {
            r = Math.min(r, (i + 1) / (double) (overlap + 1));
        }
        if (sharedAfter && i >= len - overlap) {
            r = Math.min(r, (len - i) / (double) (overlap + 1));
        }
        return r;
    }
}
