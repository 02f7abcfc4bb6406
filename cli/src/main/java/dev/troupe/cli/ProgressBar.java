package dev.troupe.cli;

import dev.troupe.composer.RegionalRenderer;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: phase, steps, elapsed time and an estimate of what is left. Silent when
 * quiet or when stderr is not a terminal (a log file gets no carriage returns).
 */
final class ProgressBar implements RegionalRenderer.Progress {
    private static final int WIDTH = 24;

    private final PrintWriter err;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private final String label;
    private boolean drawn;

    ProgressBar(PrintWriter err, boolean quiet, String label) {
        this.err = err;
        this.enabled = !quiet && System.console() != null;
        this.label = label;
    }

    @Override
    public void update(String phase, int step, int steps) {
        if (!enabled) {
            return;
        }
        double done = step / (double) steps;
        double elapsed = (System.nanoTime() - start) / 1e9;
        int filled = (int) Math.round(done * WIDTH);
        String eta = step == 0 ? "?" : String.format(Locale.ROOT, "%.0fs", elapsed / done - elapsed);
        err.printf(Locale.ROOT, "\r%s %s [%s%s] %d/%d  %.0fs elapsed, %s left ", label, phase,
                "#".repeat(filled), ".".repeat(WIDTH - filled), step, steps, elapsed, eta);
        err.flush();
        drawn = true;
    }

    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(100) + "\r");
            err.flush();
        }
    }
}
