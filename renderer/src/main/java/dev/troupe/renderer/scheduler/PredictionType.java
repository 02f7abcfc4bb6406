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

    /**
     * The predicted x0 for a sample x_t at signal level ac (DDPM parametrisation).
     */
    public double x0(double prediction, double sample, double alphaCumprod) {
        double a = Math.sqrt(alphaCumprod);
        double s = Math.sqrt(1 - alphaCumprod);
        return switch (this) {
            case EPSILON -> (sample - s * prediction) / a;
            case V -> a * sample - s * prediction;
            case SAMPLE -> prediction;
        };
    }
}
