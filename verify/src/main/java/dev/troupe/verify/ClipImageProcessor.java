package dev.troupe.verify;

import dev.troupe.scene.Box;

import java.awt.image.BufferedImage;

/**
 * A subject's box made into CLIP's {@code pixel_values} {@code [3, 224, 224]} exactly as transformers'
 * {@code CLIPImageProcessor} does: the shorter side resized to 224 with PIL's bicubic filter (the longer to
 * {@code int(224 * long / short)}), the centre 224 x 224 cropped ({@code top = (h - 224) / 2}, rounded down), then
 * {@code v / 255} and {@code (v - mean) / std} per channel in float32.
 *
 * <p>PIL's resampling, as in {@code Resample.c}: separable, horizontal pass first, each output pixel a weighted sum
 * over the input pixels within the filter's support around {@code centre = (x + 0.5) * scale}; when shrinking the
 * support widens by the scale (antialiasing). The bicubic kernel (a = -0.5) is
 * {@code ((a + 2)|x| - (a + 3))x^2 + 1} for |x| < 1, {@code a(|x|^3 - 5|x|^2 + 8|x| - 4)} for |x| < 2. Weights are
 * normalised to sum 1, turned into 22-bit fixed point (rounded half away from zero), and each pass rounds to 8 bits
 * with clipping, so the numbers are PIL's to the last bit.
 */
public final class ClipImageProcessor {
    public static final int SIZE = 224;
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private ClipImageProcessor() {
    }

    /** The box's crop of {@code image} (clipped to the image) as {@code pixel_values} [3, 224, 224]. */
    public static float[] pixelValues(BufferedImage image, Box box) {
        int x0 = Math.max(0, box.x()), y0 = Math.max(0, box.y());
        int w = Math.min(image.getWidth(), box.right()) - x0, h = Math.min(image.getHeight(), box.bottom()) - y0;
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("box " + box + " is outside the image");
        }
        int[] rgb = new int[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = image.getRGB(x0 + x, y0 + y), i = (y * w + x) * 3;
                rgb[i] = (p >> 16) & 0xff;
                rgb[i + 1] = (p >> 8) & 0xff;
                rgb[i + 2] = p & 0xff;
            }
        }
        return pixelValues(rgb, w, h);
    }

    /** Interleaved 8-bit RGB {@code [h, w, 3]} as {@code pixel_values} [3, 224, 224]. */
    static float[] pixelValues(int[] rgb, int w, int h) {
        int nw, nh;
        if (w <= h) {
            nw = SIZE;
            nh = (int) ((long) SIZE * h / w); // int(size * long / short), as transformers computes it
        } else {
            nh = SIZE;
            nw = (int) ((long) SIZE * w / h);
        }
        int[] resized = resize(rgb, w, h, nw, nh);
        int top = (nh - SIZE) / 2, left = (nw - SIZE) / 2;
        float[] out = new float[3 * SIZE * SIZE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    float v = (float) (resized[((top + y) * nw + left + x) * 3 + c] * (1 / 255.0));
                    out[(c * SIZE + y) * SIZE + x] = (v - MEAN[c]) / STD[c];
                }
            }
        }
        return out;
    }

    /** PIL's {@code Image.resize((nw, nh), BICUBIC)} of an 8-bit RGB image. */
    static int[] resize(int[] rgb, int w, int h, int nw, int nh) {
        int[] out = rgb;
        int cw = w;
        if (nw != w) {
            out = pass(out, w, h, nw, true);
            cw = nw;
        }
        if (nh != h) {
            out = pass(out, cw, h, nh, false);
        }
        return out;
    }

    private static int[] pass(int[] in, int w, int h, int size, boolean horizontal) {
        int inSize = horizontal ? w : h;
        Coefficients k = coefficients(inSize, size);
        int ow = horizontal ? size : w, oh = horizontal ? h : size;
        int[] out = new int[ow * oh * 3];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int o = horizontal ? x : y;
                for (int c = 0; c < 3; c++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int j = 0; j < k.count[o]; j++) {
                        int src = k.first[o] + j;
                        int i = horizontal ? (y * w + src) * 3 + c : (src * w + x) * 3 + c;
                        ss += in[i] * k.weights[o][j];
                    }
                    out[(y * ow + x) * 3 + c] = clip8(ss);
                }
            }
        }
        return out;
    }

    /** Per output pixel: the first input pixel, how many, and their fixed-point weights. */
    record Coefficients(int[] first, int[] count, int[][] weights) {
    }

    static Coefficients coefficients(int inSize, int outSize) {
        double scale = inSize / (double) outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 2.0 * filterScale;
        int[] first = new int[outSize], count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double centre = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max(0, (int) (centre - support + 0.5));
            int xmax = Math.min(inSize, (int) (centre + support + 0.5)) - xmin;
            double[] k = new double[xmax];
            double sum = 0;
            for (int x = 0; x < xmax; x++) {
                k[x] = bicubic((x + xmin - centre + 0.5) * ss);
                sum += k[x];
            }
            int[] fixed = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double w = sum != 0 ? k[x] / sum : k[x];
                fixed[x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
            weights[xx] = fixed;
        }
        return new Coefficients(first, count, weights);
    }

    /** PIL's bicubic kernel, a = -0.5. */
    static double bicubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0;
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        return in <= 0 ? 0 : in >> PRECISION_BITS;
    }
}
