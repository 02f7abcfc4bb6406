package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;

/**
 * The noise schedule the model was trained with: betas and alphas_cumprod over T training timesteps.
 *
 * <pre>
 *   linear:            beta_t = b0 + t (b1 - b0) / (T - 1)
 *   scaled_linear:     beta_t = (sqrt b0 + t (sqrt b1 - sqrt b0) / (T - 1))^2
 *   squaredcos_cap_v2: beta_t = min(1 - abar((t+1)/T) / abar(t/T), 0.999), abar(s) = cos^2((s + 0.008) / 1.008 * pi/2)
 *   alphas_cumprod[t] = prod_{s <= t} (1 - beta_s)
 * </pre>
 * With {@code rescale_betas_zero_snr} the sqrt(alphas_cumprod) curve is shifted and scaled so that it keeps its first
 * value and ends at exactly 0 (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps Are Flawed").
 */
public final class TrainingSchedule {

    private final double[] alphasCumprod;

    private TrainingSchedule(double[] alphasCumprod) {
        this.alphasCumprod = alphasCumprod;
    }

    public static TrainingSchedule of(SchedulerConfig config) {
        int n = config.numTrainTimesteps();
        double[] betas = config.trainedBetas() != null ? config.trainedBetas().clone() : betas(config, n);
        double[] ac = new double[betas.length];
        double product = 1.0;
        for (int t = 0; t < betas.length; t++) {
            product *= 1.0 - betas[t];
            ac[t] = product;
        }
        if (config.rescaleBetasZeroSnr()) {
            double first = Math.sqrt(ac[0]);
            double last = Math.sqrt(ac[ac.length - 1]);
            for (int t = 0; t < ac.length; t++) {
                double shifted = (Math.sqrt(ac[t]) - last) * first / (first - last);
                ac[t] = shifted * shifted;
            }
        }
        return new TrainingSchedule(ac);
    }

    private static double[] betas(SchedulerConfig config, int n) {
        double b0 = config.betaStart();
        double b1 = config.betaEnd();
        double[] betas = new double[n];
        switch (config.betaSchedule()) {
            case "linear" -> {
                for (int t = 0; t < n; t++) {
                    betas[t] = b0 + (b1 - b0) * t / (n - 1);
                }
            }
            case "scaled_linear" -> {
                double s0 = Math.sqrt(b0);
                double s1 = Math.sqrt(b1);
                for (int t = 0; t < n; t++) {
                    double s = s0 + (s1 - s0) * t / (n - 1);
                    betas[t] = s * s;
                }
            }
            case "squaredcos_cap_v2" -> {
                for (int t = 0; t < n; t++) {
                    betas[t] = Math.min(1 - cosineAlphaBar((t + 1.0) / n) / cosineAlphaBar((double) t / n), 0.999);
                }
            }
            default -> throw new IllegalArgumentException("scheduler_config.json: beta_schedule \""
                    + config.betaSchedule() + "\" is not supported (use linear, scaled_linear or squaredcos_cap_v2)");
        }
        return betas;
    }

    private static double cosineAlphaBar(double s) {
        double c = Math.cos((s + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** T, the number of training timesteps. */
    public int length() {
        return alphasCumprod.length;
    }

    /** alphas_cumprod[t], the fraction of signal variance left at training timestep t. */
    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /**
     * k-diffusion sigma at timestep t: sqrt((1 - ac) / ac). A zero-terminal-SNR schedule has ac[T-1] = 0; it is
     * clamped to 2^-24 there, as diffusers does, so that sigma stays finite.
     */
    public double sigma(int t) {
        double ac = Math.max(alphasCumprod[t], 0x1p-24);
        return Math.sqrt((1 - ac) / ac);
    }

    /** Sigma at a fractional timestep, linearly interpolated between neighbouring integer timesteps. */
    public double sigmaAt(double t) {
        int lo = (int) Math.floor(t);
        if (lo >= length() - 1) {
            return sigma(length() - 1);
        }
        double w = t - lo;
        return (1 - w) * sigma(lo) + w * sigma(lo + 1);
    }

    /**
     * Karras et al.'s sigma ramp over this schedule's range, {@code steps} values from sigma(T-1) down to sigma(0):
     * sigma_i = (smax^(1/7) + i / (n - 1) (smin^(1/7) - smax^(1/7)))^7.
     */
    public double[] karrasSigmas(int steps) {
        double rho = 7.0;
        double maxRoot = Math.pow(sigma(length() - 1), 1 / rho);
        double minRoot = Math.pow(sigma(0), 1 / rho);
        double[] sigmas = new double[steps];
        for (int i = 0; i < steps; i++) {
            double ramp = steps == 1 ? 0 : (double) i / (steps - 1);
            sigmas[i] = Math.pow(maxRoot + ramp * (minRoot - maxRoot), rho);
        }
        return sigmas;
    }

    /** The fractional timestep whose log-sigma matches {@code sigma} (inverse of log-linear interpolation). */
    public double timestepForSigma(double sigma) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int last = length() - 1;
        if (logSigma <= Math.log(sigma(0))) {
            return 0;
        }
        if (logSigma >= Math.log(sigma(last))) {
            return last;
        }
        int lo = 0;
        while (lo < last - 1 && Math.log(sigma(lo + 1)) <= logSigma) {
            lo++;
        }
        double low = Math.log(sigma(lo));
        double high = Math.log(sigma(lo + 1));
        return lo + (logSigma - low) / (high - low);
    }
}
