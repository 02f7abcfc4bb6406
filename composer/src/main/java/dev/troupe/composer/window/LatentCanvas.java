package dev.troupe.composer.window;

import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.VaeDecoder;
import dev.troupe.scene.Box;

/**
 * The latent canvas a plan is drawn on: {@code [channels, height, width]} latent pixels, the image's size divided by
 * the VAE's pixel factor and rounded up to what the UNet takes (a multiple of its down-sampling); the decoded image
 * is cropped back to the plan's size at the end.
 *
 * @param factor     image pixels per latent pixel (the VAE's)
 * @param multiple   every crop's side is a multiple of this (the UNet halves its input this many times over)
 * @param nativeSize the UNet's native sample size in latent pixels, rounded up to {@code multiple}
 */
public record LatentCanvas(int channels, int height, int width, int factor, int multiple, int nativeSize) {

    public static LatentCanvas of(StableDiffusionModel model, int imageWidth, int imageHeight) {
        VaeDecoder vae = model.vaeDecoder();
        int f = vae.pixelFactor();
        int multiple = model.unetDownsampling();
        return of(vae.latentChannels(), f, multiple, model.unetSampleSize(), imageWidth, imageHeight);
    }

    /**
     * @param factor     image pixels per latent pixel
     * @param multiple   the UNet's down-sampling
     * @param sampleSize the UNet's sample size in latent pixels
     */
    public static LatentCanvas of(int channels, int factor, int multiple, int sampleSize, int imageWidth,
                                  int imageHeight) {
        return new LatentCanvas(channels, roundUp(ceilDiv(imageHeight, factor), multiple),
                roundUp(ceilDiv(imageWidth, factor), multiple), factor, multiple, roundUp(sampleSize, multiple));
    }

    /** Values in a latent of the whole canvas. */
    public int size() {
        return channels * height * width;
    }

    /** A box in image pixels as latent pixels {x, y, w, h} on this canvas. */
    public int[] box(Box b) {
        return latentBox(b, factor, width, height);
    }

    /**
     * A box in image pixels as latent pixels {x, y, w, h} on the image's own latent size (not the rounded-up canvas):
     * where composite mode places a region drawn alone, its window then reaching into the canvas if need be.
     */
    public int[] boxOnImage(Box b, int imageWidth, int imageHeight) {
        return latentBox(b, factor, ceilDiv(imageWidth, factor), ceilDiv(imageHeight, factor));
    }

    /**
     * A box in image pixels to latent pixels {x, y, w, h}, inside a latent canvas of w x h. Position and size are
     * rounded, not floored and ceiled: a 64-pixel box stays 16 latent pixels wide wherever it stands, so equal boxes
     * give equal crops (one batch) of the size the model was trained at.
     */
    public static int[] latentBox(Box b, int f, int w, int h) {
        int bw = Math.max(1, Math.min(w, Math.round(b.w() / (float) f)));
        int bh = Math.max(1, Math.min(h, Math.round(b.h() / (float) f)));
        int x0 = Math.max(0, Math.min(w - bw, Math.round(b.x() / (float) f)));
        int y0 = Math.max(0, Math.min(h - bh, Math.round(b.y() / (float) f)));
        return new int[]{x0, y0, bw, bh};
    }

    /** The context margin around a latent box: {@code configured} when not negative, else half the shorter side. */
    public static int margin(int[] box, int configured) {
        return configured >= 0 ? configured : Math.max(1, Math.min(box[2], box[3]) / 2);
    }

    public static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    public static int roundUp(int a, int m) {
        return ceilDiv(a, m) * m;
    }
}
