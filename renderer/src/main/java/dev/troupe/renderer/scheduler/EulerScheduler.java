package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;

/**
 * Euler's method on the probability-flow ODE in sigma space (Karras et al. 2022, algorithm 1 without churn).
 *
 * <pre>
 *   sigma_i  = sqrt((1 - ac) / ac) at timestep t_i (linear interpolation for fractional t), sigma_n = 0
 *   UNet input: x / sqrt(sigma_i^2 + 1)
 *   x0  = x - sigma_i eps                                       (v: x0 = x / (sigma^2 + 1) - v sigma / sqrt(sigma^2 + 1))
 *   d   = (x - x0) / sigma_i
 *   x  += d (sigma_{i+1} - sigma_i)
 * </pre>
 * The start is noise * sigma_0, or noise * sqrt(sigma_0^2 + 1) with "leading" spacing (as diffusers).
 * With Karras sigmas ({@code use_karras_sigmas}) the sigmas are Karras et al.'s ramp from sigma(T-1) to sigma(0)
 * ({@link TrainingSchedule#karrasSigmas}) and each timestep is the fractional t whose log-sigma matches.
 * With {@code timestep_type} "continuous" and v-prediction the UNet is conditioned on {@code 0.25 ln sigma_i} instead
 * of t_i (as diffusers does for EDM-style models).
 */
public final class EulerScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final TrainingSchedule schedule;
    private final PredictionType prediction;
    private final TimestepSpacing spacing;
    private final boolean karras;
    private final boolean continuous;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];

    public EulerScheduler(SchedulerConfig config, boolean karras) {
        this.config = config;
        this.schedule = TrainingSchedule.of(config);
        this.prediction = PredictionType.parse(config.predictionType());
        this.spacing = TimestepSpacing.parse(config.timestepSpacing());
        this.karras = karras;
        this.continuous = config.timestepType().equals("continuous") && prediction == PredictionType.V;
    }

    @Override
    public void setTimesteps(int steps) {
        sigmas = new double[steps + 1];
        if (karras) {
            System.arraycopy(schedule.karrasSigmas(steps), 0, sigmas, 0, steps);
            timesteps = new double[steps];
            for (int i = 0; i < steps; i++) {
                timesteps[i] = schedule.timestepForSigma(sigmas[i]);
            }
            return;
        }
        timesteps = spacing.timesteps(schedule.length(), steps, config.stepsOffset());
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
        return continuous ? 0.25 * Math.log(sigmas[i]) : timesteps[i];
    }

    @Override
    public boolean continuousTimesteps() {
        return continuous;
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
        double dt = sigmas[i + 1] - sigma;
        // x0 = cx x + co out (the UNet saw x / sqrt(sigma^2 + 1)); x' = x + (x - x0) dt / sigma
        double ac = 1 / (sigma * sigma + 1);
        double cx = prediction.x0FromSample(ac) * Math.sqrt(ac);
        double co = prediction.x0FromOutput(ac);
        float fromSample = (float) (1 + (1 - cx) * dt / sigma);
        float fromOutput = (float) (-co * dt / sigma);
        for (int k = 0; k < sample.length; k++) {
            sample[k] = fromSample * sample[k] + fromOutput * modelOutput[k];
        }
    }
}
