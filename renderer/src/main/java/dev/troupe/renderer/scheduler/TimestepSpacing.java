package dev.troupe.renderer.scheduler;

/**
 * How the inference timesteps are picked from the T training timesteps (diffusers {@code timestep_spacing}; see
 * Lin et al. 2023, table 2). For n steps:
 * <pre>
 *   LEADING:  t_i = (n - 1 - i) * floor(T / n) + steps_offset
 *   TRAILING: t_i = round(T - i * T / n) - 1
 *   LINSPACE: t_i = (T - 1) * (n - 1 - i) / (n - 1)       (fractional; rounded by schedulers that need integers)
 * </pre>
 */
public enum TimestepSpacing {
    LEADING, TRAILING, LINSPACE;

    public static TimestepSpacing parse(String configValue) {
        return switch (configValue) {
            case "leading" -> LEADING;
            case "trailing" -> TRAILING;
            case "linspace" -> LINSPACE;
            default -> throw new IllegalArgumentException("scheduler_config.json: timestep_spacing \"" + configValue
                    + "\" is not supported (use leading, trailing or linspace)");
        };
    }

    /**
     * The most steps whose timesteps are distinct training timesteps in 0..T-1. LEADING stops where
     * t_0 = (n - 1) floor(T / n) + steps_offset would pass T - 1 (n = T - 1 with offset 1); TRAILING and LINSPACE give
     * T - 1 - i at n = T.
     */
    public int maxSteps(int trainSteps, int stepsOffset) {
        int n = trainSteps;
        while (this == LEADING && n > 1 && (long) (n - 1) * (trainSteps / n) + stepsOffset > trainSteps - 1) {
            n--;
        }
        return n;
    }

    /** The n timesteps, from the noisiest to the cleanest. */
    public double[] timesteps(int trainSteps, int n, int stepsOffset) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = switch (this) {
                case LEADING -> (double) (n - 1 - i) * (trainSteps / n) + stepsOffset;
                case TRAILING -> Math.rint(trainSteps - i * (double) trainSteps / n) - 1; // half-to-even, as numpy
                case LINSPACE -> n == 1 ? trainSteps - 1 : (trainSteps - 1) * (double) (n - 1 - i) / (n - 1);
            };
        }
        return t;
    }
}
