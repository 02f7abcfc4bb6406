package dev.troupe.composer.predict;

import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.scene.ScenePlan;

/**
 * MultiDiffusion's bootstrapping: for the first steps, outside its box a region's crop shows a solid colour noised
 * to the current step's level instead of the canvas, so the region's prompt can only be drawn inside its box. The
 * colour is random per region.
 *
 * <p>Whatever space a scheduler keeps its latent in (sigma-scaled for Euler, variance-preserving for DDIM and
 * DPM++), the UNet's input at timestep t is {@code sqrt(ac_t) x0 + sqrt(1 - ac_t) eps}, so that is what we write
 * ({@link DenoisingLoop#alphaCumprodAt}).
 */
public final class Bootstrap {
    /** Stream names, so that a region's colour and its noise at any step never share a seed. */
    private static final long COLOUR = 1, NOISE = 2;
    private final long seed;
    private final int channels;
    private final int steps;
    private final DenoisingLoop loop;
    /** Per region, its clean colour {@code [C]}: drawn once, not at every bootstrapped step. */
    private final float[][] colours;

    private Bootstrap(long seed, int channels, int steps, DenoisingLoop loop, int regions) {
        this.seed = seed;
        this.channels = channels;
        this.steps = steps;
        this.loop = loop;
        this.colours = new float[regions][channels];
        for (int r = 0; r < regions; r++) {
            GaussianNoise colour = new GaussianNoise(colourSeed(seed, r));
            for (int c = 0; c < channels; c++) {
                colours[r][c] = (float) (colour.nextGaussian() * 0.5);
            }
        }
    }

    /** Bootstrapping over the first {@code fraction} of the loop's steps (none for a plan without regions). */
    public static Bootstrap of(ScenePlan plan, int channels, double fraction, DenoisingLoop loop) {
        int steps = plan.regions().isEmpty() ? 0 : (int) Math.round(fraction * loop.steps());
        return new Bootstrap(plan.seed(), channels, steps, loop, steps == 0 ? 0 : plan.regions().size());
    }

    /** How many of the first steps are bootstrapped. */
    public int steps() {
        return steps;
    }

    /** Whether regions see a plain colour around their box at this step. */
    public boolean covers(int step) {
        return step < steps;
    }

    /** The seed of region {@code region}'s plain colour. */
    static long colourSeed(long planSeed, int region) {
        return GaussianNoise.seedOf(planSeed, COLOUR, region);
    }

    /** The seed of the noise laid over region {@code region}'s colour at step {@code step}. */
    static long noiseSeed(long planSeed, int region, int step) {
        return GaussianNoise.seedOf(planSeed, NOISE, region, step);
    }

    /** Overwrites a region window's crop {@code input[offset ..]} {@code [C, h, w]} outside its box. */
    public void apply(double timestep, int step, float[] input, int offset, PromptWindow region) {
        RegionWindow win = region.window();
        int[] box = region.box();
        double ac = loop.alphaCumprodAt(timestep);
        float a = (float) Math.sqrt(ac), b = (float) Math.sqrt(1 - ac);
        GaussianNoise noise = new GaussianNoise(noiseSeed(seed, region.region(), step));
        float[] colour = colours[region.region()];
        for (int c = 0; c < channels; c++) {
            float clean = colour[c];
            for (int y = 0; y < win.height(); y++) {
                int gy = win.y() + y;
                for (int x = 0; x < win.width(); x++) {
                    int gx = win.x() + x;
                    boolean inside = gx >= box[0] && gx < box[0] + box[2] && gy >= box[1] && gy < box[1] + box[3];
                    float n = (float) noise.nextGaussian();
                    if (!inside) {
                        input[offset + (c * win.height() + y) * win.width() + x] = a * clean + b * n;
                    }
                }
            }
        }
    }
}
