package dev.troupe.renderer;

/**
 * SDXL's size and crop conditioning (Podell et al. 2023, section 2.2), the UNet's {@code time_ids [6]}: the size of
 * the picture a sample was cut from, where the cut starts, and the size of the cut, all in image pixels,
 * {@code (original_h, original_w, top, left, target_h, target_w)} in that order, as diffusers'
 * {@code _get_add_time_ids} concatenates them.
 *
 * <p>A whole image is its own original and target with no crop: {@code (H, W, 0, 0, H, W)}. In regional rendering
 * every window (a background tile, a region's box plus margin) is literally a crop of the canvas, which is what SDXL
 * saw in training (random crops of larger pictures, conditioned on where they were cut): so a window is conditioned
 * as the part of the canvas it is ({@link #crop}), and the model continues the canvas beyond its edges instead of
 * composing a whole new picture in every tile or box.
 */
public record MicroConditioning(int originalHeight, int originalWidth, int top, int left, int targetHeight,
                                int targetWidth) {

    /** Values in {@code time_ids} per sample. */
    public static final int SIZE = 6;

    /** A whole image of {@code width x height} pixels, uncropped. */
    public static MicroConditioning whole(int width, int height) {
        return new MicroConditioning(height, width, 0, 0, height, width);
    }

    /** The {@code width x height} crop at ({@code left}, {@code top}) of a {@code canvasWidth x canvasHeight} canvas. */
    public static MicroConditioning crop(int canvasWidth, int canvasHeight, int left, int top, int width, int height) {
        return new MicroConditioning(canvasHeight, canvasWidth, top, left, height, width);
    }

    /** {@code time_ids}: original size, crop top-left, target size, each as (height, width) / (top, left). */
    public float[] timeIds() {
        return new float[] {originalHeight, originalWidth, top, left, targetHeight, targetWidth};
    }
}
