package dev.troupe.composer.composite;

/**
 * Blends two images of the same size through a mask, band by band (Burt and Adelson's Laplacian pyramid blend):
 * low frequencies mix over a wide transition, fine detail over a narrow one, so colour and lighting meet without
 * a visible seam while edges stay sharp.
 *
 * <pre>  L_k(x) = G_k(x) - up(G_{k+1}(x));  out_k = M_k * L_k(top) + (1 - M_k) * L_k(base);  out = collapse(out_k)</pre>
 *
 * where G_k is the Gaussian pyramid (5-tap binomial blur, then subsample by 2) and M_k the mask's Gaussian pyramid.
 * Images are planes [3][H * W] of floats; the mask is [H * W] in 0..1 (1 takes {@code top}).
 */
public final class LaplacianBlend {
    private LaplacianBlend() {
    }

    public static float[][] blend(float[][] base, float[][] top, float[] mask, int width, int height, int levels) {
        int n = Math.max(1, Math.min(levels, maxLevels(width, height)));
        int[] ws = new int[n], hs = new int[n];
        ws[0] = width;
        hs[0] = height;
        for (int k = 1; k < n; k++) {
            ws[k] = (ws[k - 1] + 1) / 2;
            hs[k] = (hs[k - 1] + 1) / 2;
        }
        float[][] maskPyr = gaussian(mask, ws, hs);
        float[][] out = new float[base.length][];
        for (int c = 0; c < base.length; c++) {
            float[][] la = laplacian(gaussian(base[c], ws, hs), ws, hs);
            float[][] lb = laplacian(gaussian(top[c], ws, hs), ws, hs);
            float[] acc = mix(la[n - 1], lb[n - 1], maskPyr[n - 1]);
            for (int k = n - 2; k >= 0; k--) {
                float[] up = upsample(acc, ws[k + 1], hs[k + 1], ws[k], hs[k]);
                float[] band = mix(la[k], lb[k], maskPyr[k]);
                for (int i = 0; i < up.length; i++) {
                    up[i] += band[i];
                }
                acc = up;
            }
            out[c] = acc;
        }
        return out;
    }

    /** Plain feathered alpha: out = M * top + (1 - M) * base. */
    public static float[][] alpha(float[][] base, float[][] top, float[] mask) {
        float[][] out = new float[base.length][];
        for (int c = 0; c < base.length; c++) {
            out[c] = mix(base[c], top[c], mask);
        }
        return out;
    }

    static int maxLevels(int w, int h) {
        int n = 1;
        while (Math.min(w, h) >> n >= 4) {
            n++;
        }
        return n;
    }

    private static float[] mix(float[] a, float[] b, float[] m) {
        float[] o = new float[a.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = m[i] * b[i] + (1 - m[i]) * a[i];
        }
        return o;
    }

    private static float[][] gaussian(float[] img, int[] ws, int[] hs) {
        float[][] p = new float[ws.length][];
        p[0] = img;
        for (int k = 1; k < ws.length; k++) {
            p[k] = downsample(p[k - 1], ws[k - 1], hs[k - 1], ws[k], hs[k]);
        }
        return p;
    }

    private static float[][] laplacian(float[][] g, int[] ws, int[] hs) {
        float[][] l = new float[g.length][];
        for (int k = 0; k < g.length - 1; k++) {
            float[] up = upsample(g[k + 1], ws[k + 1], hs[k + 1], ws[k], hs[k]);
            l[k] = new float[up.length];
            for (int i = 0; i < up.length; i++) {
                l[k][i] = g[k][i] - up[i];
            }
        }
        l[g.length - 1] = g[g.length - 1];
        return l;
    }

    private static final float[] TAPS = {1 / 16f, 4 / 16f, 6 / 16f, 4 / 16f, 1 / 16f};

    /** Binomial blur, then every second pixel; edges clamp. */
    static float[] downsample(float[] src, int w, int h, int dw, int dh) {
        float[] tmp = new float[dw * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < dw; x++) {
                float s = 0;
                for (int t = -2; t <= 2; t++) {
                    s += TAPS[t + 2] * src[y * w + clamp(2 * x + t, w)];
                }
                tmp[y * dw + x] = s;
            }
        }
        float[] dst = new float[dw * dh];
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                float s = 0;
                for (int t = -2; t <= 2; t++) {
                    s += TAPS[t + 2] * tmp[clamp(2 * y + t, h) * dw + x];
                }
                dst[y * dw + x] = s;
            }
        }
        return dst;
    }

    /** Bilinear up-sampling to (dw, dh), aligned on pixel centres. */
    static float[] upsample(float[] src, int w, int h, int dw, int dh) {
        float[] dst = new float[dw * dh];
        for (int y = 0; y < dh; y++) {
            double sy = Math.max(0, Math.min(h - 1, (y + 0.5) / 2 - 0.5));
            int y0 = (int) sy, y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < dw; x++) {
                double sx = Math.max(0, Math.min(w - 1, (x + 0.5) / 2 - 0.5));
                int x0 = (int) sx, x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                double bot = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                dst[y * dw + x] = (float) (top * (1 - fy) + bot * fy);
            }
        }
        return dst;
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    }
}
