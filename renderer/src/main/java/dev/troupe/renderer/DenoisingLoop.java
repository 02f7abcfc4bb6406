package dev.troupe.renderer;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.renderer.scheduler.Scheduler;
import dev.troupe.renderer.scheduler.TrainingSchedule;

/**
 * The denoising loop every image goes through, whatever predicts its noise:
 *
 * <pre>
 *   x = initial noise * initNoiseSigma                      (one scheduler state for the whole latent)
 *   for i in 0 .. n-1:
 *       input = scaleModelInput(x, i)                       (c_in for sigma-space samplers, else x)
 *       eps   = predictor(i, timestep(i), input)            (a UNet batch with guidance, or many crops fused)
 *       x     = step(eps, i, x, noise)                      (noise: the initial generator, continued)
 *       progress(i + 1, n)
 * </pre>
 * The scheduler is created and set up here ({@link Sampler#create}, {@code setTimesteps}); the loop allocates its
 * one input buffer per run and nothing per step.
 */
public final class DenoisingLoop {

    /** Predicts the noise for one step. */
    @FunctionalInterface
    public interface NoisePredictor {
        /**
         * @param step     the step, from 0
         * @param timestep the timestep the UNet is conditioned on (fractional for sigma-interpolating samplers)
         * @param input    the scheduler's model input {@code [C, h, w]} (read only)
         * @return the guided prediction {@code [C, h, w]} of the model's prediction type, in a buffer the predictor
         *         owns (the loop does not keep it)
         */
        float[] predict(int step, double timestep, float[] input);
    }

    /** Fills the initial latent and returns the generator the sampler's own noise continues from. */
    @FunctionalInterface
    public interface InitialNoise {
        GaussianNoise fill(float[] latents, double sigma);
    }

    /** Told after each step. */
    @FunctionalInterface
    public interface StepListener {
        void stepDone(int step, int steps);
    }

    private final Scheduler scheduler;
    private final TrainingSchedule schedule;
    private final int steps;

    public DenoisingLoop(Sampler sampler, SchedulerConfig config, int steps) {
        this.scheduler = sampler.create(config);
        this.scheduler.setTimesteps(steps);
        this.schedule = TrainingSchedule.of(config);
        this.steps = steps;
    }

    /** Noise from one seed, for the initial latent and then for the sampler. */
    public static InitialNoise seeded(long seed) {
        return (latents, sigma) -> {
            GaussianNoise noise = new GaussianNoise(seed);
            noise.fill(latents, sigma);
            return noise;
        };
    }

    public int steps() {
        return steps;
    }

    /**
     * The fraction of signal variance in what the UNet is shown at {@code timestep}: {@code ac = 1 / (sigma^2 + 1)},
     * sigma interpolated linearly between training timesteps (as the Euler samplers do), or {@code exp(4 timestep)}
     * for continuous timesteps. Whatever space a scheduler
     * keeps its latent in, a clean x0 noised to that step looks to the UNet like {@code sqrt(ac) x0 + sqrt(1 - ac) n}.
     */
    public double alphaCumprodAt(double timestep) {
        double sigma = scheduler.continuousTimesteps() ? Math.exp(4 * timestep) : schedule.sigmaAt(timestep);
        return 1 / (sigma * sigma + 1);
    }

    /** Denoises {@code latents} ({@code [C, h, w]}, overwritten with the initial noise first) in place. */
    public void run(float[] latents, InitialNoise initial, NoisePredictor predictor, StepListener listener) {
        GaussianNoise noise = initial.fill(latents, scheduler.initNoiseSigma());
        float[] input = new float[latents.length];
        for (int i = 0; i < steps; i++) {
            scheduler.scaleModelInput(latents, i, input);
            float[] eps = predictor.predict(i, scheduler.timestep(i), input);
            scheduler.step(eps, i, latents, noise);
            listener.stepDone(i + 1, steps);
        }
    }
}
