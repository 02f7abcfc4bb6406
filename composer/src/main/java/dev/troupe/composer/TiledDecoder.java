package dev.troupe.composer;

import dev.troupe.composer.fusion.CanvasTiles;
import dev.troupe.composer.fusion.PredictionFusion;
import dev.troupe.composer.fusion.RegionWindow;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.VaeDecoder;

import java.util.List;

/**
 * Decodes a latent canvas larger than the model's native size in overlapping tiles, blended with the same
 * feathered weights as the background pass: a VAE decoder's memory grows with the square of the size, and it was
 * trained at the native size.
 */
final class TiledDecoder {
    private TiledDecoder() {
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
            PredictionFusion.copyCrop(latents, channels, h, w, t.x(), t.y(), t.width(), t.height(), tileLatents, 0);
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
}
