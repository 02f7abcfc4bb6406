package dev.troupe.eval;

import dev.troupe.scene.Box;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A subject's box resampled to the model's own pixels: the box's height becomes {@code tileHeight} rows (a figure
 * tile), so that the figure's geometry is the same whatever the output resolution. The grid reaches
 * {@code padCols} model pixels beyond the box on each side, because a subject may stand off-centre.
 * Cells outside the image are invalid and ignored by every statistic.
 */
final class ModelPixelGrid {
    final int rows;
    final int cols;
    final int pad;
    final int boxCols;
    private final double[] red;
    private final double[] green;
    private final double[] blue;
    private final boolean[] valid;

    private ModelPixelGrid(int rows, int cols, int pad, int boxCols) {
        this.rows = rows;
        this.cols = cols;
        this.pad = pad;
        this.boxCols = boxCols;
        red = new double[rows * cols];
        green = new double[rows * cols];
        blue = new double[rows * cols];
        valid = new boolean[rows * cols];
    }

    /** Area-averages the image under each model pixel of {@code box} (plus padding). */
    static ModelPixelGrid of(BufferedImage image, Box box, int tileHeight, int padCols) {
        double f = box.h() / (double) tileHeight;
        int boxCols = Math.max(1, (int) Math.round(box.w() / f));
        ModelPixelGrid g = new ModelPixelGrid(tileHeight, boxCols + 2 * padCols, padCols, boxCols);
        for (int i = 0; i < g.rows; i++) {
            int y0 = box.y() + (int) Math.floor(i * f);
            int y1 = Math.max(y0 + 1, box.y() + (int) Math.floor((i + 1) * f));
            for (int j = 0; j < g.cols; j++) {
                int x0 = box.x() + (int) Math.floor((j - padCols) * f);
                int x1 = Math.max(x0 + 1, box.x() + (int) Math.floor((j - padCols + 1) * f));
                double r = 0, gr = 0, b = 0;
                int n = 0;
                for (int y = Math.max(0, y0); y < Math.min(image.getHeight(), y1); y++) {
                    for (int x = Math.max(0, x0); x < Math.min(image.getWidth(), x1); x++) {
                        int p = image.getRGB(x, y);
                        r += (p >> 16) & 0xff;
                        gr += (p >> 8) & 0xff;
                        b += p & 0xff;
                        n++;
                    }
                }
                int k = i * g.cols + j;
                if (n > 0) {
                    g.red[k] = r / n;
                    g.green[k] = gr / n;
                    g.blue[k] = b / n;
                    g.valid[k] = true;
                }
            }
        }
        return g;
    }

    /** Column of the box's centre in grid coordinates. */
    int boxCentre() {
        return pad + boxCols / 2;
    }

    /** Per-channel median over rows [r0, r1) and columns [c0, c1); null when no valid cell is there. */
    Rgb median(int r0, int r1, int c0, int c1) {
        double[][] ch = collect(r0, r1, c0, c1);
        if (ch == null) {
            return null;
        }
        return new Rgb(median(ch[0]), median(ch[1]), median(ch[2]));
    }

    /** Mean distance of the cells from their median: 0 for a flat patch of colour. */
    double spread(int r0, int r1, int c0, int c1) {
        Rgb m = median(r0, r1, c0, c1);
        if (m == null) {
            return 255;
        }
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, r0); i < Math.min(rows, r1); i++) {
            for (int j = Math.max(0, c0); j < Math.min(cols, c1); j++) {
                int k = i * cols + j;
                if (valid[k]) {
                    sum += new Rgb(red[k], green[k], blue[k]).distance(m);
                    n++;
                }
            }
        }
        return sum / n;
    }

    private double[][] collect(int r0, int r1, int c0, int c1) {
        int n = 0;
        double[][] ch = new double[3][Math.max(0, (r1 - r0) * (c1 - c0))];
        for (int i = Math.max(0, r0); i < Math.min(rows, r1); i++) {
            for (int j = Math.max(0, c0); j < Math.min(cols, c1); j++) {
                int k = i * cols + j;
                if (valid[k]) {
                    ch[0][n] = red[k];
                    ch[1][n] = green[k];
                    ch[2][n] = blue[k];
                    n++;
                }
            }
        }
        if (n == 0) {
            return null;
        }
        return new double[][]{Arrays.copyOf(ch[0], n), Arrays.copyOf(ch[1], n), Arrays.copyOf(ch[2], n)};
    }

    private static double median(double[] v) {
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
