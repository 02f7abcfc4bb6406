package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, algorithm 2; diffusers "dpmsolver++", midpoint, order 2), optionally on the
 * Karras sigma ramp. It works on data predictions D = x0 in the variance-preserving scaling
 * x = alpha x0 + s eps, where alpha = 1 / sqrt(sigma^2 + 1), s = sigma alpha, lambda = log(alpha / s) = -log sigma.
 *
 * <pre>
 *   h = lambda_{i+1} - lambda_i
 *   first order (first and last step):  x_{i+1} = (s_{i+1} / s_i) x_i - alpha_{i+1} (e^{-h} - 1) D_i
 *   second order: r = (lambda_i - lambda_{i-1}) / h,  D = D_i + (D_i - D_{i-1}) / (2 r)
 *                 x_{i+1} = (s_{i+1} / s_i) x_i - alpha_{i+1} (e^{-h} - 1) D
 *   Karras: sigma_i = (smax^(1/7) + i / (n - 1) (smin^(1/7) - smax^(1/7)))^7, t_i = round(t(sigma_i)) by log-sigma
 * </pre>
 * The last sigma is 0 (so the final step returns D exactly). The UNet input is x itself; the start is pure noise.
 */
public final class DpmSolverMultistepScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final TrainingSchedule schedule;
    private final PredictionType prediction;
    private final TimestepSpacing spacing;
    private final boolean karras;
    private int[] timesteps = new int[0];
    private double[] sigmas = new double[0];
    private float[] previousDenoised = new float[0];

    public DpmSolverMultistepScheduler(SchedulerConfig config, boolean karras) {
        this.config = config;
        this.schedule = TrainingSchedule.of(config);
        this.prediction = PredictionType.parse(config.predictionType());
        this.spacing = TimestepSpacing.parse(config.timestepSpacing());
        this.karras = karras;
    }

    @Override
    public void setTimesteps(int steps) {
        int trainSteps = schedule.length();
        timesteps = new int[steps];
        sigmas = new double[steps + 1];
        if (karras) {
            double[] ramp = schedule.karrasSigmas(steps);
            for (int i = 0; i < steps; i++) {
                sigmas[i] = ramp[i];
                timesteps[i] = (int) Math.rint(schedule.timestepForSigma(sigmas[i]));
            }
        } else {
            for (int i = 0; i < steps; i++) {
                // diffusers spaces n + 1 points for linspace and leading and drops the last (t = 0 or the offset).
                timesteps[i] = (int) Math.rint(switch (spacing) {
                    case LINSPACE -> (trainSteps - 1) * (double) (steps - i) / steps;
                    case LEADING -> (double) (steps - i) * (trainSteps / (steps + 1)) + config.stepsOffset();
                    case TRAILING -> spacing.timesteps(trainSteps, steps, config.stepsOffset())[i];
                });
                sigmas[i] = schedule.sigma(timesteps[i]);
            }
        }
        sigmas[steps] = 0;
        previousDenoised = new float[0];
    }

    /**
     * Karras: T (its sigmas fall at any n; rounded timesteps may repeat). LEADING spaces n + 1 points: it stops where
     * t_0 = n floor(T / (n + 1)) + steps_offset would pass T - 1 (n = T - 2 with offset 1). LINSPACE, TRAILING: T.
     */
    @Override
    public int maxSteps() {
        if (karras || spacing != TimestepSpacing.LEADING) {
            return schedule.length();
        }
        // n steps here space n + 1 leading points: the most is one less than leading spacing's own
        return Math.max(1, spacing.maxSteps(schedule.length(), config.stepsOffset()) - 1);
    }

    @Override
    public int stepCount() {
        return timesteps.length;
    }

    @Override
    public double timestep(int i) {
        return timesteps[i];
    }

    /** The noise level of the sample at step i, in k-diffusion sigma; sigma_n = 0. */
    public double sigma(int i) {
        return sigmas[i];
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
        int n = timesteps.length;
        double alphaS = alpha(sigmas[i]);
        double sS = sigmas[i] * alphaS;
        double alphaT = alpha(sigmas[i + 1]);
        double sT = sigmas[i + 1] * alphaT;
        double lambdaS = Math.log(alphaS) - Math.log(sS);
        double lambdaT = Math.log(alphaT) - Math.log(sT); // +infinity at sigma 0: e^{-h} = 0 and x = D
        double h = lambdaT - lambdaS;
        double sampleCoefficient = sT / sS;
        double denoisedCoefficient = -alphaT * Math.expm1(-h);
        boolean firstOrder = i == 0 || i == n - 1;
        double r = 0;
        if (!firstOrder) {
            double alphaPrev = alpha(sigmas[i - 1]);
            double lambdaPrev = Math.log(alphaPrev) - Math.log(sigmas[i - 1] * alphaPrev);
            r = (lambdaS - lambdaPrev) / h;
        }
        if (previousDenoised.length != sample.length) {
            previousDenoised = new float[sample.length]; // once per image, not per step
        }
        // D = cx x + co out in the VP scaling (signal level alpha_s^2)
        double ac = alphaS * alphaS;
        float cx = (float) prediction.x0FromSample(ac);
        float co = (float) prediction.x0FromOutput(ac);
        float fromSample = (float) sampleCoefficient;
        float fromDenoised = (float) denoisedCoefficient;
        float history = firstOrder ? 0 : (float) (1 / (2 * r));
        for (int k = 0; k < sample.length; k++) {
            float x = sample[k];
            float denoised = cx * x + co * modelOutput[k];
            float d = denoised + history * (denoised - previousDenoised[k]);
            previousDenoised[k] = denoised;
            sample[k] = fromSample * x + fromDenoised * d;
        }
    }

    private static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }
}
