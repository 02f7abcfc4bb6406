package dev.troupe.renderer;

import dev.troupe.renderer.scheduler.Sampler;

/**
 * One single-prompt image to draw.
 *
 * @param prompt         what to draw
 * @param negativePrompt what to steer away from (used only when guidance > 1)
 * @param width          image width in pixels (a multiple of the model's pixel factor)
 * @param height         image height in pixels
 * @param steps          denoising steps
 * @param guidance       classifier-free guidance scale; at most 1 runs the positive prompt alone
 * @param sampler        the scheduler
 * @param seed           the seed of the initial noise and of any noise the sampler adds
 */
public record RenderRequest(String prompt, String negativePrompt, int width, int height, int steps,
                            double guidance, Sampler sampler, long seed) {

    public RenderRequest {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, not " + steps);
        }
        if (!Double.isFinite(guidance) || guidance < 0) {
            throw new IllegalArgumentException("guidance (--cfg) must be a finite number >= 0, not " + guidance);
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, not " + width + "x" + height);
        }
    }
}
