package dev.troupe.batch.run;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The batch's progress: on a terminal, one line redrawn in place (jobs done, failed and skipped, elapsed time and an
 * estimate of what is left, from the rate of jobs drawn so far); elsewhere (a log file) nothing but one line per
 * failed job, which is always printed.
 */
public final class BatchProgress implements BatchRunner.Listener {
    private static final int WIDTH = 24;

    private final PrintWriter err;
    private final boolean bar;
    private final int total;
    private final long start = System.nanoTime();
    private int rendered;
    private int skipped;
    private int failed;
    private boolean drawn;

    public BatchProgress(PrintWriter err, boolean bar, int total) {
        this.err = err;
        this.bar = bar;
        this.total = total;
    }

    @Override
    public synchronized void finished(BatchRunner.Outcome outcome, long nanos) {
        switch (outcome.status()) {
            case RENDERED -> rendered++;
            case SKIPPED -> skipped++;
            case FAILED -> failed++;
        }
        if (!outcome.ok()) {
            clear();
            err.println("troupe: job " + outcome.job().name() + " (manifest line " + outcome.job().entry().line()
                    + ") failed at " + outcome.stage() + ": " + outcome.error());
        }
        if (bar) {
            draw();
        }
        err.flush();
    }

    public int rendered() {
        return rendered;
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void draw() {
        int done = rendered + skipped + failed;
        double elapsed = seconds();
        int left = total - done;
        String eta = rendered == 0 ? "?" : duration(elapsed / (rendered + failed) * left);
        int filled = total == 0 ? WIDTH : (int) Math.round(WIDTH * done / (double) total);
        err.printf(Locale.ROOT, "\rbatch [%s%s] %d/%d done, %d failed, %d skipped  %s elapsed, %s left ",
                "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, failed, skipped, duration(elapsed), eta);
        drawn = true;
    }

    private void clear() {
        if (drawn) {
            err.print("\r" + " ".repeat(110) + "\r");
        }
    }

    public synchronized void finish() {
        clear();
        err.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : s < 3600 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60)
                : (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }
}
