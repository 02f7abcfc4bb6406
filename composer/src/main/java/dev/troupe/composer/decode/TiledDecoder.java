package dev.troupe.composer.decode;

import dev.troupe.composer.window.CanvasTiles;
import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.VaeDecoder;
import dev.troupe.renderer.model.ModelException;

import java.util.List;

/**
 * Decodes a latent canvas, in overlapping tiles when it is larger than the model's native size, blended with the
 * same feathered weights as the background pass (a VAE decoder's memory grows with the square of the size, and it
 * was trained at the native size); then crops the image back to the plan's size.
 */
public final class TiledDecoder {
    private TiledDecoder() {
    }

    /** @param latents [C, H, W] on {@code canvas}; {@code width} x {@code height}: the plan's image size */
    public static RgbImage decode(VaeDecoder vae, float[] latents, LatentCanvas canvas, int width, int height) {
        return crop(decode(vae, latents, canvas.channels(), canvas.height(), canvas.width(), canvas.nativeSize()),
                width, height);
    }

    /** @param latents [C, h, w] */
    static RgbImage decode(VaeDecoder vae, float[] latents, int channels, int h, int w, int nativeSize) {
        if (h <= nativeSize && w <= nativeSize) {
            return vae.decode(latents, h, w);
        }
        int f = vae.pixelFactor();
        List<RegionWindow> tiles = CanvasTiles.cover(w, h, nativeSize, Math.max(1, nativeSize / 4));
        int width = w * f, height = h * f;
        float[] sum = new float[3 * width * height];
        float[] weight = new float[width * height];
        float[] tileLatents = new float[0];
        for (RegionWindow t : tiles) {
            int n = channels * t.area();
            if (tileLatents.length != n) {
                tileLatents = new float[n];
            }
            t.crop(latents, channels, h, w, tileLatents, 0);
            RgbImage part = vae.decode(tileLatents, t.height(), t.width());
            byte[] rgb = part.rgb();
            for (int y = 0; y < part.height(); y++) {
                for (int x = 0; x < part.width(); x++) {
                    float wt = t.weights()[(y / f) * t.width() + x / f];
                    int p = (t.y() * f + y) * width + t.x() * f + x;
                    int q = (y * part.width() + x) * 3;
                    weight[p] += wt;
                    sum[3 * p] += wt * (rgb[q] & 0xff);
                    sum[3 * p + 1] += wt * (rgb[q + 1] & 0xff);
                    sum[3 * p + 2] += wt * (rgb[q + 2] & 0xff);
                }
            }
        }
        byte[] out = new byte[3 * width * height];
        for (int p = 0; p < width * height; p++) {
            float inv = weight[p] > 0 ? 1f / weight[p] : 0f;
            for (int c = 0; c < 3; c++) {
                out[3 * p + c] = (byte) Math.max(0, Math.min(255, Math.round(sum[3 * p + c] * inv)));
            }
        }
        return new RgbImage(width, height, out);
    }

    /** The top-left {@code width} x {@code height} of {@code image}: the latent canvas was rounded up. */
    static RgbImage crop(RgbImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        if (image.width() < width || image.height() < height) {
            throw new ModelException("decoded image " + image.width() + "x" + image.height() + " is smaller than the "
                    + "canvas " + width + "x" + height);
        }
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            System.arraycopy(image.rgb(), y * image.width() * 3, out, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }
}
