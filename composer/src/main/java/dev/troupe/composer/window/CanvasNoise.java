package dev.troupe.composer.window;

import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

/**
 * The initial noise of a scene's latent canvas: the canvas from the plan's seed, then each region's box overwritten
 * with noise from the region's own seed, so that changing one subject leaves the others' noise as it was.
 */
public final class CanvasNoise {
    private CanvasNoise() {
    }

    /**
     * Fills {@code latents} {@code [C, H, W]} with noise of standard deviation {@code sigma} and returns the canvas's
     * generator, positioned after what it drew: the sampler's own noise continues its stream, so a plan without
     * regions is exactly a plain single-prompt render.
     */
    public static GaussianNoise fill(ScenePlan plan, LatentCanvas canvas, float[] latents, double sigma) {
        int channels = canvas.channels(), h = canvas.height(), w = canvas.width();
        GaussianNoise noise = new GaussianNoise(plan.seed());
        noise.fill(latents, sigma);
        for (Region r : plan.regions()) {
            int[] b = canvas.box(r.box());
            float[] n = new float[channels * b[2] * b[3]];
            new GaussianNoise(r.seed()).fill(n, sigma);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < b[3]; y++) {
                    System.arraycopy(n, (c * b[3] + y) * b[2], latents, (c * h + b[1] + y) * w + b[0], b[2]);
                }
            }
        }
        return noise;
    }
}
