package dev.troupe.eval;

/** How many subjects were checked for an attribute, and how many were drawn as planned. */
public record Tally(int total, int correct) {

    public Tally plus(Tally o) {
        return new Tally(total + o.total, correct + o.correct);
    }

    public double rate() {
        return total == 0 ? Double.NaN : correct / (double) total;
    }

    @Override
    public String toString() {
        return String.format("%d/%d (%.1f%%)", correct, total, 100 * rate());
    }
}
