package dev.troupe.eval;

/** A colour with channels in 0..255 (not clamped: averages and medians of pixels). */
public record Rgb(double r, double g, double b) {

    public double distance(Rgb o) {
        double dr = r - o.r, dg = g - o.g, db = b - o.b;
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }
}
