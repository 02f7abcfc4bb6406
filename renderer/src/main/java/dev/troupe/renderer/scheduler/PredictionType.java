package dev.troupe.renderer.scheduler;

/**
 * What the UNet predicts, in the DDPM parametrisation x_t = sqrt(ac) x0 + sqrt(1 - ac) eps.
 *
 * <pre>
 *   EPSILON: the noise eps
 *   V:       v = sqrt(ac) eps - sqrt(1 - ac) x0   (so x0 = sqrt(ac) x_t - sqrt(1 - ac) v, eps = sqrt(ac) v + sqrt(1 - ac) x_t)
 *   SAMPLE:  x0 itself
 * </pre>
 */
public enum PredictionType {
    EPSILON, V, SAMPLE;

    public static PredictionType parse(String configValue) {
        return switch (configValue) {
            case "epsilon" -> EPSILON;
            case "v_prediction" -> V;
            case "sample" -> SAMPLE;
            default -> throw new IllegalArgumentException("scheduler_config.json: prediction_type \"" + configValue
                    + "\" is not supported (use epsilon, v_prediction or sample)");
        };
    }

    /*
     * Every conversion is linear in (x_t, output), so a step computes two coefficients once and then runs one
     * fused loop over the latent. With a = sqrt(ac), s = sqrt(1 - ac):
     *   EPSILON: x0 = x / a - (s / a) out          eps = out
     *   V:       x0 = a x - s out                  eps = s x + a out
     *   SAMPLE:  x0 = out                          eps = x / s - (a / s) out
     */

    /** The coefficient of x_t in x0, at signal level ac. */
    public double x0FromSample(double ac) {
        return switch (this) {
            case EPSILON -> 1 / Math.sqrt(ac);
            case V -> Math.sqrt(ac);
            case SAMPLE -> 0;
        };
    }

    /** The coefficient of the model output in x0, at signal level ac. */
    public double x0FromOutput(double ac) {
        return switch (this) {
            case EPSILON -> -Math.sqrt(1 - ac) / Math.sqrt(ac);
            case V -> -Math.sqrt(1 - ac);
            case SAMPLE -> 1;
        };
    }

    /** The coefficient of x_t in eps, at signal level ac. */
    public double epsFromSample(double ac) {
        return switch (this) {
            case EPSILON -> 0;
            case V -> Math.sqrt(1 - ac);
            case SAMPLE -> 1 / Math.sqrt(1 - ac);
        };
    }

    /** The coefficient of the model output in eps, at signal level ac. */
    public double epsFromOutput(double ac) {
        return switch (this) {
            case EPSILON -> 1;
            case V -> Math.sqrt(ac);
            case SAMPLE -> -Math.sqrt(ac) / Math.sqrt(1 - ac);
        };
    }
}
