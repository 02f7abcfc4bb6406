package dev.troupe.composer.window;

/**
 * Where a region's UNet pass reads and writes on the latent canvas, and how much its prediction counts there.
 *
 * @param x       left column of the crop, in latent pixels
 * @param y       top row of the crop, in latent pixels
 * @param width   crop width in latent pixels
 * @param height  crop height in latent pixels
 * @param weights [height * width], row-major: the region's weight at each latent pixel of the crop
 */
public record RegionWindow(int x, int y, int width, int height, float[] weights) {

    public RegionWindow {
        if (weights.length != width * height) {
            throw new IllegalArgumentException("weights must be width x height");
        }
    }

    public int area() {
        return width * height;
    }

    /**
     * Copies this window's crop {@code [C, height, width]} out of {@code canvas} {@code [C, canvasHeight, canvasWidth]}
     * into {@code dst[offset ..]}.
     */
    public void crop(float[] canvas, int channels, int canvasHeight, int canvasWidth, float[] dst, int offset) {
        int plane = canvasHeight * canvasWidth;
        for (int c = 0; c < channels; c++) {
            for (int j = 0; j < height; j++) {
                System.arraycopy(canvas, c * plane + (y + j) * canvasWidth + x, dst, offset + (c * height + j) * width,
                        width);
            }
        }
    }
}
