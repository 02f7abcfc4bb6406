package dev.troupe.composer.window;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the background prompt still needs to run once regions are placed: a tile's crop reduced to the part of the
 * tile that the regions leave uncovered, plus a little context, or nothing at all when the regions cover the tile.
 *
 * <p>Why it does not change the result measurably: the fused prediction at a latent pixel p is
 * {@code (b t(p) eps_bg + sum_i w_i(p) eps_i) / (b t(p) + sum_i w_i(p))} ({@code fusion/PredictionFusion}), with
 * {@code b} the background weight (0.05 by default) and {@code t(p) <= 1} the tiles' ramps. Where the regions'
 * weights add up to {@code W(p) >= 4 b} (0.2 by default: a box, or the inner part of a region's feathered margin),
 * the background's share is at most {@code b / (b + 4 b) = 1/5}; it is dropped there and the fusion renormalises
 * over the regions, whose margins draw the backdrop around their subjects anyway. Where {@code W(p) < 4 b} (beyond
 * every margin, or under regions weighted down) the background keeps its full tile weight, so no pixel is left
 * without a prediction, and a plan without regions draws exactly as before. A large background weight (over 1/4)
 * trims nothing outside the boxes' interiors of weight-1 regions.
 *
 * <p>The reduced crop is the bounding rectangle of the tile's uncovered pixels grown by {@code context} latent pixels
 * on each side (the UNet sees some of what surrounds the strip it predicts), rounded up to the UNet's multiple
 * inside the tile; its weights are the tile's, fading linearly to 0 across that context, so the hand-over to the
 * regions is as smooth as a region's own margin.
 */
public final class BackgroundTrim {
    /** The most the background may count where it is dropped: b / (b + W) <= 1/5. */
    static final double SHARE = 0.2;

    private BackgroundTrim() {
    }

    /**
     * The regions' summed weight at every latent pixel {@code [height * width]}, for one phase of the loop.
     *
     * @param bootstrapping while bootstrapping, a region counts inside its box only ({@link PromptWindow#weights})
     */
    public static float[] coverage(List<PromptWindow> regions, int width, int height, boolean bootstrapping) {
        float[] w = new float[width * height];
        for (PromptWindow r : regions) {
            RegionWindow win = r.window();
            float[] weights = r.weights(bootstrapping);
            for (int j = 0; j < win.height(); j++) {
                for (int i = 0; i < win.width(); i++) {
                    w[(win.y() + j) * width + win.x() + i] += weights[j * win.width() + i];
                }
            }
        }
        return w;
    }

    /** The regions' summed weight from which they cover a pixel, for background weight {@code b}: 4 b. */
    public static float coveredFrom(double backgroundWeight) {
        return (float) (backgroundWeight * (1 - SHARE) / SHARE);
    }

    /**
     * The part of {@code tile} the background still runs on: the tile itself when the regions leave all of it
     * uncovered, a smaller window when they cover part of it, null when they cover all of it.
     *
     * @param coverage    {@link #coverage} of the canvas, {@code canvasWidth} wide
     * @param covered     {@link #coveredFrom} the background weight
     * @param multipleOf  crop sides are multiples of this (UNet down-sampling)
     * @param context     latent pixels kept around the uncovered part, over which the weight fades out
     */
    public static RegionWindow trim(RegionWindow tile, float[] coverage, float covered, int canvasWidth,
                                    int multipleOf, int context) {
        int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
        for (int j = 0; j < tile.height(); j++) {
            for (int i = 0; i < tile.width(); i++) {
                if (coverage[(tile.y() + j) * canvasWidth + tile.x() + i] < covered) {
                    x0 = Math.min(x0, i);
                    y0 = Math.min(y0, j);
                    x1 = Math.max(x1, i + 1);
                    y1 = Math.max(y1, j + 1);
                }
            }
        }
        if (x1 < 0) {
            return null;
        }
        if (x0 == 0 && y0 == 0 && x1 == tile.width() && y1 == tile.height()) {
            return tile;
        }
        int[] xs = span(x0 - context, x1 + context, multipleOf, tile.width());
        int[] ys = span(y0 - context, y1 + context, multipleOf, tile.height());
        int w = xs[1] - xs[0], h = ys[1] - ys[0];
        float[] weights = new float[w * h];
        for (int j = 0; j < h; j++) {
            double fy = RegionWeights.feather(ys[0] + j, y0, y1, context);
            for (int i = 0; i < w; i++) {
                double fx = RegionWeights.feather(xs[0] + i, x0, x1, context);
                weights[j * w + i] = (float) (tile.weights()[(ys[0] + j) * tile.width() + xs[0] + i] * fx * fy);
            }
        }
        return new RegionWindow(tile.x() + xs[0], tile.y() + ys[0], w, h, weights);
    }

    /**
     * The background's windows over the canvas for one phase, per tile in {@code tiles}' order (empty: the regions
     * cover the tile). A tile is first {@link #trim}med to one rectangle; where the uncovered pixels are thin strips
     * and gaps (the strips above and below the boxes and the gaps between them, while bootstrapping) that rectangle is
     * the whole tile, so such a tile is covered instead by several smaller {@link #pieces} wherever their total area
     * is smaller. A split tile leaves out the uncovered pixels well inside a neighbouring tile kept whole (at least
     * {@code pieceContext} from that tile's inner edges): that tile predicts them with context on every side and
     * takes the split tile's weight there.
     *
     * <p>Weights: a piece has its tile's weights, fading linearly across its context; then, only when some tile is
     * split, every window's weight at a pixel is scaled by {@code F / R}, {@code F} the untrimmed tiles' summed weight
     * and {@code R} the windows' summed raw weight there, so that uncovered pixels get the background's full weight
     * {@code F} (pieces that overlap share it, a tile kept whole takes over what a split neighbour left out) and
     * covered pixels at most {@code F}. Without a split nothing is scaled: the windows are {@link #trim}'s.
     *
     * @param context      latent pixels of context around a trimmed rectangle ({@link #trim})
     * @param pieceContext latent pixels of context around a piece, at least (a piece is rounded up to the multiple)
     */
    public static List<List<RegionWindow>> cover(List<RegionWindow> tiles, float[] coverage, float covered,
                                                 int canvasWidth, int canvasHeight, int multipleOf, int context,
                                                 int pieceContext) {
        int n = tiles.size();
        List<RegionWindow> rects = new ArrayList<>();
        boolean[] target = new boolean[n];
        for (int k = 0; k < n; k++) {
            RegionWindow t = tiles.get(k);
            RegionWindow rect = trim(t, coverage, covered, canvasWidth, multipleOf, context);
            rects.add(rect);
            // kept whole even when split on its own: its neighbours may leave their pixels in it to it
            target[k] = rect == t && area(pieces(t, coverage, covered, canvasWidth, null, multipleOf, pieceContext))
                    >= t.area();
        }
        boolean[] delegated = new boolean[canvasWidth * canvasHeight];
        for (int k = 0; k < n; k++) {
            if (target[k]) {
                markInterior(tiles.get(k), pieceContext, canvasWidth, canvasHeight, delegated);
            }
        }
        List<List<RegionWindow>> out = new ArrayList<>();
        boolean split = false;
        for (int k = 0; k < n; k++) {
            RegionWindow rect = rects.get(k);
            if (rect == null || target[k]) {
                out.add(rect == null ? List.of() : List.of(rect));
                continue;
            }
            List<RegionWindow> pieces = pieces(tiles.get(k), coverage, covered, canvasWidth, delegated, multipleOf,
                    pieceContext);
            if (area(pieces) < rect.area()) {
                out.add(pieces);
                split = true;
            } else {
                out.add(List.of(rect));
            }
        }
        return split ? shareFullWeight(tiles, out, coverage, covered, canvasWidth, canvasHeight) : out;
    }

    /**
     * A tile's uncovered pixels, less those {@code delegated} to a neighbour, as rectangles: rows whose uncovered
     * columns are the same form a band, each run of columns in a band a core (runs closer than two contexts are
     * merged), grown by {@code context} on each side where it meets covered pixels (not where it meets another
     * core, which predicts those pixels at full weight) and rounded up to the multiple inside the tile.
     *
     * @param delegated pixels of the canvas that a tile kept whole predicts; null: none
     */
    static List<RegionWindow> pieces(RegionWindow tile, float[] coverage, float covered, int canvasWidth,
                                     boolean[] delegated, int multipleOf, int context) {
        int tw = tile.width(), th = tile.height();
        boolean[] open = new boolean[tw * th];
        boolean[] mine = new boolean[tw * th];
        for (int j = 0; j < th; j++) {
            for (int i = 0; i < tw; i++) {
                int p = (tile.y() + j) * canvasWidth + tile.x() + i;
                open[j * tw + i] = coverage[p] < covered;
                mine[j * tw + i] = open[j * tw + i] && (delegated == null || !delegated[p]);
            }
        }
        List<RegionWindow> out = new ArrayList<>();
        int j = 0;
        while (j < th) {
            List<int[]> runs = runs(mine, j, tw, context);
            int end = j + 1;
            while (end < th && sameRuns(runs, runs(mine, end, tw, context))) {
                end++;
            }
            for (int[] run : runs) {
                out.add(piece(tile, open, run[0], run[1], j, end, multipleOf, context));
            }
            j = end;
        }
        return out;
    }

    /** Runs [a, b) of {@code mask}'s row {@code j}, those less than {@code 2 context} apart merged. */
    private static List<int[]> runs(boolean[] mask, int j, int width, int context) {
        List<int[]> runs = new ArrayList<>();
        int i = 0;
        while (i < width) {
            if (!mask[j * width + i]) {
                i++;
                continue;
            }
            int a = i;
            while (i < width && mask[j * width + i]) {
                i++;
            }
            int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && a - last[1] < 2 * context) {
                last[1] = i;
            } else {
                runs.add(new int[] {a, i});
            }
        }
        return runs;
    }

    private static boolean sameRuns(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int k = 0; k < a.size(); k++) {
            if (a.get(k)[0] != b.get(k)[0] || a.get(k)[1] != b.get(k)[1]) {
                return false;
            }
        }
        return true;
    }

    /** The core [x0, x1) x [y0, y1) (tile coordinates) grown and weighted as {@link #pieces} says. */
    private static RegionWindow piece(RegionWindow tile, boolean[] open, int x0, int x1, int y0, int y1,
                                      int multipleOf, int context) {
        int tw = tile.width(), th = tile.height();
        int left = x0 > 0 && !allOpen(open, tw, x0 - 1, x0, y0, y1) ? context : 0;
        int right = x1 < tw && !allOpen(open, tw, x1, x1 + 1, y0, y1) ? context : 0;
        int top = y0 > 0 && !allOpen(open, tw, x0, x1, y0 - 1, y0) ? context : 0;
        int bottom = y1 < th && !allOpen(open, tw, x0, x1, y1, y1 + 1) ? context : 0;
        int[] xs = span(x0 - left, x1 + right, multipleOf, tw);
        int[] ys = span(y0 - top, y1 + bottom, multipleOf, th);
        int w = xs[1] - xs[0], h = ys[1] - ys[0];
        float[] weights = new float[w * h];
        for (int j = 0; j < h; j++) {
            double fy = fade(ys[0] + j, y0, y1, y0 - ys[0], ys[1] - y1);
            for (int i = 0; i < w; i++) {
                double fx = fade(xs[0] + i, x0, x1, x0 - xs[0], xs[1] - x1);
                weights[j * w + i] = (float) (tile.weights()[(ys[0] + j) * tw + xs[0] + i] * fx * fy);
            }
        }
        return new RegionWindow(tile.x() + xs[0], tile.y() + ys[0], w, h, weights);
    }

    /** 1 inside [lo, hi), falling linearly to 0 at one pixel past the {@code before} / {@code after} context. */
    private static double fade(int p, int lo, int hi, int before, int after) {
        return p < lo ? 1.0 - (lo - p) / (double) (before + 1) : p >= hi ? 1.0 - (p - hi + 1) / (double) (after + 1)
                : 1.0;
    }

    private static boolean allOpen(boolean[] open, int tw, int x0, int x1, int y0, int y1) {
        for (int j = y0; j < y1; j++) {
            for (int i = x0; i < x1; i++) {
                if (!open[j * tw + i]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Marks the pixels of {@code tile} at least {@code context} from its edges inside the canvas. */
    private static void markInterior(RegionWindow tile, int context, int canvasWidth, int canvasHeight,
                                     boolean[] marks) {
        int x0 = tile.x() + (tile.x() > 0 ? context : 0);
        int x1 = tile.x() + tile.width() - (tile.x() + tile.width() < canvasWidth ? context : 0);
        int y0 = tile.y() + (tile.y() > 0 ? context : 0);
        int y1 = tile.y() + tile.height() - (tile.y() + tile.height() < canvasHeight ? context : 0);
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                marks[y * canvasWidth + x] = true;
            }
        }
    }

    /**
     * The windows with their weights scaled so that they add up to the tiles' full weight F where uncovered, at most
     * F elsewhere (copies: a tile kept whole is the tile itself, which the other phase uses too).
     */
    private static List<List<RegionWindow>> shareFullWeight(List<RegionWindow> tiles, List<List<RegionWindow>> windows,
                                                            float[] coverage, float covered, int canvasWidth,
                                                            int canvasHeight) {
        float[] full = new float[canvasWidth * canvasHeight];
        float[] raw = new float[canvasWidth * canvasHeight];
        for (RegionWindow t : tiles) {
            add(t, full, canvasWidth);
        }
        for (List<RegionWindow> ws : windows) {
            ws.forEach(w -> add(w, raw, canvasWidth));
        }
        List<List<RegionWindow>> out = new ArrayList<>();
        for (List<RegionWindow> ws : windows) {
            List<RegionWindow> scaled = new ArrayList<>();
            for (RegionWindow w : ws) {
                float[] weights = w.weights().clone();
                for (int j = 0; j < w.height(); j++) {
                    for (int i = 0; i < w.width(); i++) {
                        int p = (w.y() + j) * canvasWidth + w.x() + i;
                        if (raw[p] == full[p] || raw[p] == 0f || coverage[p] >= covered && raw[p] < full[p]) {
                            continue;
                        }
                        weights[j * w.width() + i] *= full[p] / raw[p];
                    }
                }
                scaled.add(new RegionWindow(w.x(), w.y(), w.width(), w.height(), weights));
            }
            out.add(scaled);
        }
        return out;
    }

    private static void add(RegionWindow w, float[] sum, int canvasWidth) {
        for (int j = 0; j < w.height(); j++) {
            for (int i = 0; i < w.width(); i++) {
                sum[(w.y() + j) * canvasWidth + w.x() + i] += w.weights()[j * w.width() + i];
            }
        }
    }

    private static long area(List<RegionWindow> windows) {
        return windows.stream().mapToLong(RegionWindow::area).sum();
    }

    /** [start, end) clipped to [0, size), grown to a multiple of {@code m} (at most size) and kept inside. */
    private static int[] span(int start, int end, int m, int size) {
        start = Math.max(0, start);
        end = Math.min(size, end);
        int len = Math.min(size, ((end - start + m - 1) / m) * m);
        int s = Math.max(0, Math.min(start - (len - (end - start)) / 2, size - len));
        return new int[] {s, s + len};
    }
}
