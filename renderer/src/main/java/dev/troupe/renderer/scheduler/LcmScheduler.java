package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;

/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023, algorithm 1).
 *
 * <pre>
 *   timesteps: c = floor(T / n_orig); the distillation grid is k c - 1 for k = 1..n_orig, read from the top at
 *              indices floor(j n_orig / n), j = 0..n-1
 *   x0       = (x - sqrt(1 - ac_t) eps) / sqrt(ac_t)            (or from v)
 *   boundary:  u = t * timestep_scaling, c_skip = 0.25 / (u^2 + 0.25), c_out = u / sqrt(u^2 + 0.25)
 *   denoised = c_out x0 + c_skip x
 *   x_next   = sqrt(ac_next) denoised + sqrt(1 - ac_next) z,  z ~ N(0, I);  the last step returns denoised
 * </pre>
 * {@code timestep_spacing} does not apply: LCM keeps to the grid it was distilled on.
 */
public final class LcmScheduler implements Scheduler {

    private static final double SIGMA_DATA = 0.5;

    private final SchedulerConfig config;
    private final TrainingSchedule schedule;
    private final PredictionType prediction;
    private final double finalAlphaCumprod;
    private int[] timesteps = new int[0];
    private float[] freshNoise = new float[0];

    public LcmScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = TrainingSchedule.of(config);
        this.prediction = PredictionType.parse(config.predictionType());
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int steps) {
        int original = config.originalInferenceSteps();
        if (steps > original) {
            throw new IllegalArgumentException("LCM: " + steps + " steps is more than the " + original
                    + " steps it was distilled on; use at most " + original);
        }
        int c = schedule.length() / original;
        timesteps = new int[steps];
        for (int j = 0; j < steps; j++) {
            int fromTop = (int) Math.floor((double) j * original / steps);
            int k = original - fromTop; // grid index k = 1..original, read from the top
            timesteps[j] = k * c - 1;
        }
    }

    /** The steps of the distillation grid, at most T. */
    @Override
    public int maxSteps() {
        return Math.min(config.originalInferenceSteps(), schedule.length());
    }

    @Override
    public int stepCount() {
        return timesteps.length;
    }

    @Override
    public double timestep(int i) {
        return timesteps[i];
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public double modelInputScale(int i) {
        return 1.0;
    }

    @Override
    public void step(float[] modelOutput, int i, float[] sample, GaussianNoise noise) {
        int t = timesteps[i];
        boolean last = i == timesteps.length - 1;
        double ac = schedule.alphaCumprod(t);
        double u = t * config.timestepScaling();
        double cSkip = SIGMA_DATA * SIGMA_DATA / (u * u + SIGMA_DATA * SIGMA_DATA);
        double cOut = u / Math.sqrt(u * u + SIGMA_DATA * SIGMA_DATA);
        double acNext = last ? 1.0 : timesteps[i + 1] >= 0 ? schedule.alphaCumprod(timesteps[i + 1]) : finalAlphaCumprod;
        double signal = Math.sqrt(acNext);
        double noiseScale = Math.sqrt(1 - acNext);
        if (!last) {
            if (freshNoise.length != sample.length) {
                freshNoise = new float[sample.length]; // once per image, not per step
            }
            noise.fill(freshNoise, 1.0);
        }
        // denoised = c_out x0 + c_skip x, with x0 linear in (x, output)
        float fromSample = (float) (cOut * prediction.x0FromSample(ac) + cSkip);
        float fromOutput = (float) (cOut * prediction.x0FromOutput(ac));
        if (last) {
            for (int k = 0; k < sample.length; k++) {
                sample[k] = fromSample * sample[k] + fromOutput * modelOutput[k];
            }
            return;
        }
        float signalF = (float) signal;
        float noiseF = (float) noiseScale;
        for (int k = 0; k < sample.length; k++) {
            sample[k] = signalF * (fromSample * sample[k] + fromOutput * modelOutput[k]) + noiseF * freshNoise[k];
        }
    }
}
