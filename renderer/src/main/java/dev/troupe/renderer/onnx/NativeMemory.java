package dev.troupe.renderer.onnx;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Gives freed native memory back to the system, from inside the process: what a studio or a Spark executor that
 * drew one large scene, or built and dropped a LoRA set, needs in order to serve for days.
 *
 * <p>ONNX Runtime's tensors (its CPU arena is off, see {@link SessionFactory}), a LoRA set's merged weights and a
 * model's load buffers are all malloc'd. glibc keeps freed blocks of up to 32 MiB in its heaps for reuse, which is
 * what makes the next UNet run fast, but also what a process's resident memory keeps after the run. At the points
 * where a lot has just been freed (a render has ended, however it ended; a LoRA set's sessions were built or closed)
 * troupe calls glibc's {@code malloc_trim(0)}, which hands every whole free page of every heap back with
 * {@code MADV_DONTNEED}, wherever it lies. It costs milliseconds (1-60 ms measured with an SD 1.5-sized UNet loaded).
 *
 * <p>Why not the environment instead ({@code MALLOC_MMAP_THRESHOLD_=131072}, what the launcher used to set): it
 * returns each large block the moment it is freed, so every tensor over 128 KiB of every UNet run is a fresh
 * {@code mmap} whose pages fault in again; some run shapes then took 30-50 % longer (README, "Memory"), and a
 * program embedding troupe had to remember to set it.
 *
 * <p>Elsewhere than glibc's Linux (macOS, Windows, musl) there is no such call; {@link #release} does nothing there.
 */
public final class NativeMemory {
    private static final Function TRIM = find();

    private NativeMemory() {
    }

    private static Function find() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim");
        } catch (UnsatisfiedLinkError e) {
            return null; // a C library without it (musl)
        }
    }

    /** Whether {@link #release} can give memory back here (glibc on Linux). */
    public static boolean supported() {
        return TRIM != null;
    }

    /**
     * Hands the free pages of malloc's heaps back to the system; safe while other threads allocate (glibc locks each
     * heap in turn).
     *
     * @return whether any memory went back (false where {@link #supported} is not)
     */
    public static boolean release() {
        return TRIM != null && TRIM.invokeInt(new Object[] {0L}) == 1;
    }
}
