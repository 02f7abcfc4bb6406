package dev.troupe.planner.layout;

import dev.troupe.planner.RequestException;
import dev.troupe.scene.Box;
import dev.troupe.scene.PlanValidator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Named arrangements of subject boxes on the canvas. Each works at the profile's native box size
 * (a standing figure, about twice as tall as wide), sizes the canvas to the group (multiples of 32),
 * and shifts each box by a small seeded amount. If boxes would share more than the allowed
 * fraction of the smaller one, the spacing grows until they do not.
 */
public enum Layout {
    /** One line, side by side. */
    ROW,
    /** Two lines like a team photo: the back row higher and in the gaps of the front row. */
    ROWS,
    /** Rows and columns, for large groups. */
    GRID,
    /** One line curving back at the ends, the middle nearest the viewer. */
    ARC;

    /** Boxes and the canvas they are on. */
    public record Placement(int width, int height, List<Box> boxes) {
    }

    public static final double DEFAULT_MAX_OVERLAP = 0.25;
    private static final int MAX_SIDE = 16384;
    /** Tells the layout's random stream apart from the attribute sampler's, which starts from the same seed. */
    private static final long LAYOUT_STREAM = 0x4C41594F5554L; // "LAYOUT"

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Layout named(String name) {
        for (Layout layout : values()) {
            if (layout.id().equals(name.toLowerCase(Locale.ROOT))) {
                return layout;
            }
        }
        throw new RequestException("unknown layout '" + name + "'; layouts: "
                + Arrays.stream(values()).map(Layout::id).collect(Collectors.joining(", ")));
    }

    /** A row for a handful, two rows for a team, a grid for a crowd. */
    public static Layout defaultFor(int n) {
        return n <= 6 ? ROW : n <= 14 ? ROWS : GRID;
    }

    /**
     * Places n boxes.
     *
     * @param size       the canvas {width, height} to fit into (multiples of 32), or null for the native size
     * @param maxOverlap most any two boxes may share, as a fraction of the smaller one
     */
    public Placement place(int n, CanvasSpec spec, long seed, double maxOverlap, int[] size) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        if (!(maxOverlap >= 0 && maxOverlap <= PlanValidator.MAX_OVERLAP)) {
            throw new RequestException("the allowed overlap must be between 0 and " + PlanValidator.MAX_OVERLAP
                    + ", got " + maxOverlap);
        }
        int pitchX = spec.boxW() + spec.gapX();
        int pitchY = spec.boxH() + spec.gapY();
        int limit = 2 * (spec.boxW() + 2 * spec.jitter()) + 8;
        while (true) {
            Placement p = attempt(n, spec, seed, pitchX, pitchY, size);
            if (maxOverlap(p.boxes()) <= maxOverlap) {
                return p;
            }
            if (pitchX > limit) {
                throw new IllegalStateException("layout " + id() + " cannot keep overlap under " + maxOverlap);
            }
            pitchX += 4;
            pitchY += 4;
        }
    }

    /**
     * The boxes in the order a viewer reads the group: left to right (a grid: row by row), so that the subjects of
     * one part of the group, given consecutive places in this order, stand together.
     */
    public List<Integer> readingOrder(Placement placement) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < placement.boxes().size(); i++) {
            order.add(i);
        }
        java.util.Comparator<Integer> byX = java.util.Comparator.comparingDouble(
                i -> placement.boxes().get(i).x() + placement.boxes().get(i).w() / 2.0);
        if (this == GRID) {
            order.sort(java.util.Comparator.<Integer>comparingLong(
                    i -> Math.round((double) placement.boxes().get(i).y() / placement.boxes().get(i).h())).thenComparing(byX));
        } else {
            order.sort(byX);
        }
        return order;
    }

    static double maxOverlap(List<Box> boxes) {
        double max = 0;
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                max = Math.max(max, PlanValidator.overlapFraction(boxes.get(i), boxes.get(j)));
            }
        }
        return max;
    }

    private Placement attempt(int n, CanvasSpec spec, long seed, int pitchX, int pitchY, int[] size) {
        List<double[]> corners = new ArrayList<>(); // top-left {x, y} relative to the group
        switch (this) {
            case ROW -> {
                for (int i = 0; i < n; i++) {
                    corners.add(new double[] {i * pitchX, 0});
                }
            }
            case ROWS -> {
                int front = (n + 1) / 2;
                int back = n - front;
                double raise = back == 0 ? 0 : spec.rowsRaise();
                for (int j = 0; j < back; j++) { // back row first: the front row is drawn over it
                    corners.add(new double[] {j * pitchX + pitchX / 2.0, 0});
                }
                for (int i = 0; i < front; i++) {
                    corners.add(new double[] {i * pitchX, raise});
                }
            }
            case GRID -> {
                int cols = Math.min(n, (int) Math.ceil(Math.sqrt(n * (double) spec.boxH() / spec.boxW())));
                int rows = (n + cols - 1) / cols;
                for (int r = 0; r < rows; r++) {
                    int inRow = Math.min(cols, n - r * cols);
                    double shift = (cols - inRow) * pitchX / 2.0; // centre a short last row
                    for (int c = 0; c < inRow; c++) {
                        corners.add(new double[] {shift + c * pitchX, r * pitchY});
                    }
                }
            }
            case ARC -> {
                double middle = (n - 1) / 2.0;
                for (int i = 0; i < n; i++) {
                    double t = middle == 0 ? 0 : (i - middle) / middle;
                    corners.add(new double[] {i * pitchX, spec.arcRise() * (1 - t * t)});
                }
            }
        }
        double contentW = 0;
        double contentH = 0;
        for (double[] c : corners) {
            contentW = Math.max(contentW, c[0] + spec.boxW());
            contentH = Math.max(contentH, c[1] + spec.boxH());
        }
        int nativeW = roundUp32(contentW + 2 * spec.marginX());
        int nativeH = roundUp32(contentH + 2 * spec.marginY());
        if (size == null && (nativeW > MAX_SIDE || nativeH > MAX_SIDE)) {
            throw new RequestException("layout " + id() + " needs a " + nativeW + "x" + nativeH
                    + " canvas for " + n + " subjects, more than " + MAX_SIDE + " pixels; use --layout grid or --size");
        }
        int width = size == null ? nativeW : size[0];
        int height = size == null ? nativeH : size[1];
        double scale = Math.min((double) width / nativeW, (double) height / nativeH);
        double offsetX = (width - nativeW * scale) / 2 + (nativeW - contentW) / 2 * scale;
        double offsetY = (height - nativeH * scale) / 2 + (nativeH - contentH) / 2 * scale;
        int boxW = (int) Math.round(spec.boxW() * scale);
        int boxH = (int) Math.round(spec.boxH() * scale);
        if (boxW < 8 || boxH < 16) {
            throw new RequestException("a " + width + "x" + height + " canvas leaves each of the " + n
                    + " subjects a " + boxW + "x" + boxH + " box, too small to draw; use a larger --size");
        }
        int jitter = (int) Math.floor(spec.jitter() * scale);
        // Its own stream, well mixed even for small seeds (Random(seed ^ 0x5DEECE66D) undid Random's own scrambling,
        // so the first shift of seeds 0, 1, 2 ... moved in steps of one pixel).
        SplittableRandom random = new SplittableRandom(seed ^ LAYOUT_STREAM);
        List<Box> boxes = new ArrayList<>();
        for (double[] c : corners) {
            int dx = jitter == 0 ? 0 : random.nextInt(2 * jitter + 1) - jitter;
            int dy = jitter == 0 ? 0 : random.nextInt(2 * jitter + 1) - jitter;
            int x = clamp((int) Math.round(offsetX + c[0] * scale) + dx, width - boxW);
            int y = clamp((int) Math.round(offsetY + c[1] * scale) + dy, height - boxH);
            boxes.add(new Box(x, y, Math.min(boxW, width), Math.min(boxH, height)));
        }
        return new Placement(width, height, List.copyOf(boxes));
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(v, Math.max(0, max)));
    }

    public static int roundUp32(double v) {
        return Math.max(32, (int) Math.ceil(v / 32.0) * 32);
    }
}
