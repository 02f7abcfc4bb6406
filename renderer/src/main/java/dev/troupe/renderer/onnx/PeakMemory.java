package dev.troupe.renderer.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory as Linux counts it (Java heap, ONNX Runtime's native memory and mapped weights
 * together): what memory estimates are measured against.
 */
public final class PeakMemory {
    private PeakMemory() {
    }

    /** The peak resident set since the process started ({@code VmHWM}), or -1 where Linux does not report it. */
    public static long residentBytes() {
        return status("VmHWM");
    }

    /**
     * Starts a new peak: {@link #residentBytes} counts from the resident set now (Linux's {@code clear_refs} 5);
     * false where that is not possible.
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** The resident set now ({@code VmRSS}), or -1. */
    public static long currentBytes() {
        return status("VmRSS");
    }

    /** "123.4 MiB", or "n/a" for a figure Linux did not give (negative). */
    public static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** A {@code /proc/self/status} field in bytes (the file gives kB), or -1. */
    public static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // not Linux
        }
        return -1;
    }
}
