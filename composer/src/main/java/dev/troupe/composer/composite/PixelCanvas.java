package dev.troupe.composer.composite;

import dev.troupe.renderer.RgbImage;

/**
 * The composite path's canvas, RGB planes as floats {@code [3][H * W]}: subjects drawn alone are blended in one
 * after another, each over what is already there.
 */
public final class PixelCanvas {

    /** A pixel blend of {@code above} over {@code below} under a mask {@code [H * W]} (1: above only). */
    @FunctionalInterface
    public interface PixelBlend {
        float[][] blend(float[][] below, float[][] above, float[] mask);
    }

    private final int width;
    private final int height;
    private float[][] planes;

    public PixelCanvas(RgbImage image) {
        this.width = image.width();
        this.height = image.height();
        int n = width * height;
        this.planes = new float[3][n];
        byte[] rgb = image.rgb();
        for (int i = 0; i < n; i++) {
            planes[0][i] = rgb[3 * i] & 0xff;
            planes[1][i] = rgb[3 * i + 1] & 0xff;
            planes[2][i] = rgb[3 * i + 2] & 0xff;
        }
    }

    /**
     * Pastes {@code part} at ({@code x}, {@code y}) over a copy of the canvas (what falls outside it is dropped) and
     * blends that copy in under {@code mask}.
     */
    public void blendIn(RgbImage part, int x, int y, float[] mask, PixelBlend blend) {
        float[][] top = new float[3][width * height];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(planes[c], 0, top[c], 0, width * height);
        }
        for (int py = 0; py < part.height(); py++) {
            int cy = y + py;
            if (cy >= height) {
                break;
            }
            for (int px = 0; px < part.width(); px++) {
                int cx = x + px;
                if (cx >= width) {
                    break;
                }
                int p = part.rgbAt(px, py);
                top[0][cy * width + cx] = (p >> 16) & 0xff;
                top[1][cy * width + cx] = (p >> 8) & 0xff;
                top[2][cy * width + cx] = p & 0xff;
            }
        }
        planes = blend.blend(planes, top, mask);
    }

    public RgbImage image() {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = (byte) Math.max(0, Math.min(255, Math.round(planes[c][i])));
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
