package dev.troupe.renderer.onnx;

/** Time spent inside ONNX Runtime session runs, so a benchmark can separate it from the loop's own work. */
public final class RunClock {

    private long nanos;
    private long runs;

    /** Adds one run that started at {@code startNanos} ({@link System#nanoTime()}). */
    public void record(long startNanos) {
        nanos += System.nanoTime() - startNanos;
        runs++;
    }

    public long nanos() {
        return nanos;
    }

    public long runs() {
        return runs;
    }

    public void reset() {
        nanos = 0;
        runs = 0;
    }
}
