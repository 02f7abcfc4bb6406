package dev.troupe.renderer;

/**
 * An 8-bit RGB image.
 *
 * @param rgb interleaved R, G, B bytes, row by row: {@code [height, width, 3]}
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, not " + width + " x " + height + " x 3");
        }
    }

    /** The pixel at (x, y) as 0xRRGGBB. */
    public int rgbAt(int x, int y) {
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
    }
}
