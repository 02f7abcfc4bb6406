package dev.troupe.eval;

import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.awt.image.BufferedImage;

/**
 * Do box borders show? Compares the mean gradient magnitude (of luminance, forward differences) on the pixels
 * along each box's edges with the mean inside the boxes. A seam makes the border ratio large; a seamless
 * composite keeps it near or below 1 (a figure's own outline lives inside its box).
 */
public final class SeamMetric {
    private SeamMetric() {
    }

    /** @param borderMean mean gradient on box edges; @param insideMean mean gradient inside boxes, edges excluded */
    public record Result(double borderMean, double insideMean) {
        public double ratio() {
            return borderMean / insideMean;
        }
    }

    public static Result measure(BufferedImage image, ScenePlan plan) {
        int w = image.getWidth(), h = image.getHeight();
        float[] lum = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = image.getRGB(x, y);
                lum[y * w + x] = 0.299f * ((p >> 16) & 0xff) + 0.587f * ((p >> 8) & 0xff) + 0.114f * (p & 0xff);
            }
        }
        double border = 0, inside = 0;
        long nb = 0, ni = 0;
        for (Region r : plan.regions()) {
            Box b = r.box();
            for (int y = Math.max(0, b.y()); y < Math.min(h - 1, b.bottom()); y++) {
                for (int x = Math.max(0, b.x()); x < Math.min(w - 1, b.right()); x++) {
                    double g = Math.hypot(lum[y * w + x + 1] - lum[y * w + x], lum[(y + 1) * w + x] - lum[y * w + x]);
                    int anyEdge = Math.min(Math.min(x - b.x(), b.right() - 1 - x), Math.min(y - b.y(), b.bottom() - 1 - y));
                    // a box side on the canvas's own border is no seam
                    int seamEdge = Math.min(
                            Math.min(b.x() > 0 ? x - b.x() : Integer.MAX_VALUE, b.right() < w ? b.right() - 1 - x : Integer.MAX_VALUE),
                            Math.min(b.y() > 0 ? y - b.y() : Integer.MAX_VALUE, b.bottom() < h ? b.bottom() - 1 - y : Integer.MAX_VALUE));
                    if (seamEdge <= 1) {
                        border += g;
                        nb++;
                    } else if (anyEdge > 3) {
                        inside += g;
                        ni++;
                    }
                }
            }
        }
        return new Result(nb == 0 ? 0 : border / nb, ni == 0 ? Double.NaN : inside / ni);
    }
}
