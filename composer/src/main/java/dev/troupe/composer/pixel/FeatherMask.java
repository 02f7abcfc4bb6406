package dev.troupe.composer.pixel;

import dev.troupe.scene.Box;

/**
 * A mask over the canvas that is 1 inside a box and falls linearly to 0 towards the box's edges over
 * {@code feather} pixels: a region rendered at its box's size replaces the background there and fades out
 * before its own border, so its edge never shows.
 */
public final class FeatherMask {
    private FeatherMask() {
    }

    /** [height * width], row-major. */
    public static float[] of(Box box, int feather, int width, int height) {
        float[] m = new float[width * height];
        for (int y = Math.max(0, box.y()); y < Math.min(height, box.bottom()); y++) {
            double fy = ramp(Math.min(y - box.y(), box.bottom() - 1 - y), feather);
            for (int x = Math.max(0, box.x()); x < Math.min(width, box.right()); x++) {
                m[y * width + x] = (float) (fy * ramp(Math.min(x - box.x(), box.right() - 1 - x), feather));
            }
        }
        return m;
    }

    private static double ramp(int distanceToEdge, int feather) {
        return feather <= 0 ? 1.0 : Math.min(1.0, (distanceToEdge + 1) / (double) (feather + 1));
    }
}
