package dev.troupe.composer;

import dev.troupe.renderer.RgbImage;

import java.awt.image.BufferedImage;

/** From the renderer's {@link RgbImage} to Java2D's {@link BufferedImage} (overlays, PNG encoding). */
public final class Images {
    private Images() {
    }

    public static BufferedImage toBuffered(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.rgbAt(x, y));
            }
        }
        return out;
    }
}
