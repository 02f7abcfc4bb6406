package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;

/**
 * Euler ancestral (k-diffusion {@code sample_euler_ancestral}, eta = 1): a deterministic Euler step to a lower
 * noise level, then fresh noise back up to the next level.
 *
 * <pre>
 *   sigma_up   = min(sigma_next, sqrt(sigma_next^2 (sigma^2 - sigma_next^2) / sigma^2))
 *   sigma_down = sqrt(sigma_next^2 - sigma_up^2)
 *   x0 = x - sigma eps (v: as {@link EulerScheduler});  d = (x - x0) / sigma
 *   x  = x + d (sigma_down - sigma) + z sigma_up,  z ~ N(0, I)
 * </pre>
 * Sigmas, timesteps, model-input scaling and the start are those of {@link EulerScheduler}.
 */
public final class EulerAncestralScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final TrainingSchedule schedule;
    private final PredictionType prediction;
    private final TimestepSpacing spacing;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];
    private float[] freshNoise = new float[0];

    public EulerAncestralScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = TrainingSchedule.of(config);
        this.prediction = PredictionType.parse(config.predictionType());
        this.spacing = TimestepSpacing.parse(config.timestepSpacing());
    }

    @Override
    public void setTimesteps(int steps) {
        timesteps = spacing.timesteps(schedule.length(), steps, config.stepsOffset());
        sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++) {
            sigmas[i] = schedule.sigmaAt(timesteps[i]);
        }
    }

    @Override
    public int maxSteps() {
        return spacing.maxSteps(schedule.length(), config.stepsOffset());
    }

    @Override
    public int stepCount() {
        return timesteps.length;
    }

    @Override
    public double timestep(int i) {
        return timesteps[i];
    }

    /** sigma_i; sigma_n = 0. */
    public double sigma(int i) {
        return sigmas[i];
    }

    @Override
    public double initNoiseSigma() {
        return spacing == TimestepSpacing.LEADING ? Math.sqrt(sigmas[0] * sigmas[0] + 1) : sigmas[0];
    }

    @Override
    public double modelInputScale(int i) {
        return 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, GaussianNoise noise) {
        double sigma = sigmas[i];
        double next = sigmas[i + 1];
        double up = Math.min(next, Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma)));
        double down = Math.sqrt(next * next - up * up);
        double dt = down - sigma;
        // x0 = cx x + co out (the UNet saw x / sqrt(sigma^2 + 1)); x' = x + (x - x0) dt / sigma + z sigma_up
        double ac = 1 / (sigma * sigma + 1);
        double cx = prediction.x0FromSample(ac) * Math.sqrt(ac);
        double co = prediction.x0FromOutput(ac);
        float fromSample = (float) (1 + (1 - cx) * dt / sigma);
        float fromOutput = (float) (-co * dt / sigma);
        if (up > 0) {
            if (freshNoise.length != sample.length) {
                freshNoise = new float[sample.length]; // once per image size, not per step
            }
            noise.fill(freshNoise, up);
            for (int k = 0; k < sample.length; k++) {
                sample[k] = fromSample * sample[k] + fromOutput * modelOutput[k] + freshNoise[k];
            }
        } else {
            for (int k = 0; k < sample.length; k++) {
                sample[k] = fromSample * sample[k] + fromOutput * modelOutput[k];
            }
        }
    }
}
