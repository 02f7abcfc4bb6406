package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;

/**
 * DDIM with eta = 0 (Song et al. 2021), deterministic.
 *
 * <pre>
 *   x0     = (x_t - sqrt(1 - ac_t) eps) / sqrt(ac_t)          (eps, or from v: see {@link PredictionType})
 *   x_prev = sqrt(ac_prev) x0 + sqrt(1 - ac_prev) eps,         prev = the next timestep in the list
 * </pre>
 * Past the last timestep ac_prev is 1 when {@code set_alpha_to_one}, else ac[0]. The UNet input is x itself.
 * diffusers takes prev = t - floor(T / n), which is the same for "leading" but lands between the chosen timesteps
 * for "linspace" and "trailing" when n does not divide T; the next listed timestep keeps the sample at the noise
 * level the UNet is told at the next step.
 */
public final class DdimScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final TrainingSchedule schedule;
    private final PredictionType prediction;
    private final TimestepSpacing spacing;
    private final double finalAlphaCumprod;
    private int[] timesteps = new int[0];

    public DdimScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = TrainingSchedule.of(config);
        this.prediction = PredictionType.parse(config.predictionType());
        this.spacing = TimestepSpacing.parse(config.timestepSpacing());
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);
    }

    @Override
    public void setTimesteps(int steps) {
        double[] t = spacing.timesteps(schedule.length(), steps, config.stepsOffset());
        timesteps = new int[steps];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = (int) Math.rint(t[i]);
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
        int prev = i + 1 < timesteps.length ? timesteps[i + 1] : -1;
        double ac = schedule.alphaCumprod(t);
        double acPrev = prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod;
        double x0x = prediction.x0FromSample(ac);
        double x0o = prediction.x0FromOutput(ac);
        double sqrtAcPrev = Math.sqrt(acPrev);
        double sqrtOneMinusAcPrev = Math.sqrt(1 - acPrev);
        if (config.clipSample()) {
            // eps is recomputed from the clipped x0, as diffusers does
            double range = config.clipSampleRange();
            double sqrtAc = Math.sqrt(ac);
            double sqrtOneMinusAc = Math.sqrt(1 - ac);
            for (int k = 0; k < sample.length; k++) {
                double x = sample[k];
                double x0 = Math.max(-range, Math.min(range, x0x * x + x0o * modelOutput[k]));
                double eps = (x - sqrtAc * x0) / sqrtOneMinusAc;
                sample[k] = (float) (sqrtAcPrev * x0 + sqrtOneMinusAcPrev * eps);
            }
            return;
        }
        // x_prev = sqrt(ac_prev) x0 + sqrt(1 - ac_prev) eps, with x0 and eps linear in (x, output)
        float fromSample = (float) (sqrtAcPrev * x0x + sqrtOneMinusAcPrev * prediction.epsFromSample(ac));
        float fromOutput = (float) (sqrtAcPrev * x0o + sqrtOneMinusAcPrev * prediction.epsFromOutput(ac));
        for (int k = 0; k < sample.length; k++) {
            sample[k] = fromSample * sample[k] + fromOutput * modelOutput[k];
        }
    }
}
