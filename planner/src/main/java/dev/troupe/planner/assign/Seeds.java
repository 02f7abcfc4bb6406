package dev.troupe.planner.assign;

import java.nio.charset.StandardCharsets;

/** Seeds derived from the plan's seed, one per purpose, so that one purpose's draws never shift another's. */
public final class Seeds {

    private Seeds() {
    }

    /** A well-mixed 63-bit seed from the global seed and a stream index (SplitMix64's finaliser). */
    public static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    /** A seed for a named purpose ("part:nurse/skin"): the name's bytes folded in by FNV-1a, then mixed. */
    public static long mix(long seed, String purpose) {
        long h = 0xcbf29ce484222325L;
        for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed, h);
    }
}
