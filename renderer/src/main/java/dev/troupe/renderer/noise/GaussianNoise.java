package dev.troupe.renderer.noise;

/**
 * Seeded standard-normal numbers that are the same on every machine and JVM.
 *
 * <p>Uniform bits come from SplitMix64 (Steele, Lea, Flood 2014; the generator behind
 * {@link java.util.SplittableRandom}): state += 0x9E3779B97F4A7C15; z = state;
 * z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >>> 27)) * 0x94D049BB133111EB; out = z ^ (z >>> 31).
 * Two 53-bit uniforms u1 = 1 - (out1 >>> 11) 2^-53 in (0, 1] and u2 = (out2 >>> 11) 2^-53 give two normals by
 * Box-Muller: r = sqrt(-2 ln u1), z0 = r cos(2 pi u2), z1 = r sin(2 pi u2). {@link StrictMath} makes log, sin and
 * cos bit-exact across platforms, so a seed names one noise image everywhere.
 */
public final class GaussianNoise {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double TWO_PI = 2 * Math.PI;

    private long state;
    private double spare;
    private boolean hasSpare;

    public GaussianNoise(long seed) {
        this.state = seed;
    }

    /**
     * The seed of one stream among many drawn from one seed, e.g. (plan seed, purpose, region, step): each part is
     * folded in through SplitMix64's finaliser (a bijection of 64-bit values), h = mix(h + gamma + mix(part)), so
     * tuples that differ anywhere give unrelated seeds, unlike a linear formula such as seed * 131 + region * 7 + step,
     * where region r at step s is region r + 1 at step s - 7.
     */
    public static long seedOf(long seed, long... parts) {
        long h = mix(seed);
        for (long part : parts) {
            h = mix(h + GOLDEN_GAMMA + mix(part));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next raw 64-bit SplitMix64 output. */
    public long nextLong() {
        return mix(state += GOLDEN_GAMMA);
    }

    /** The next standard-normal number. */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u1 = 1.0 - (nextLong() >>> 11) * 0x1.0p-53;
        double u2 = (nextLong() >>> 11) * 0x1.0p-53;
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double angle = TWO_PI * u2;
        spare = r * StrictMath.sin(angle);
        hasSpare = true;
        return r * StrictMath.cos(angle);
    }

    /** Fills {@code out} with standard-normal numbers, scaled by {@code sigma}. */
    public void fill(float[] out, double sigma) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (nextGaussian() * sigma);
        }
    }
}
