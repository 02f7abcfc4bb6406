package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TrainingScheduleTest {

    private final TrainingSchedule sd = TrainingSchedule.of(SchedulerConfig.stableDiffusion());

    @Test
    void scaledLinearMatchesTheClosedForm() {
        // beta_t = (sqrt(0.00085) + t/999 (sqrt(0.012) - sqrt(0.00085)))^2, ac = prod(1 - beta)
        double product = 1;
        for (int t = 0; t < 1000; t++) {
            double root = Math.sqrt(0.00085) + t / 999.0 * (Math.sqrt(0.012) - Math.sqrt(0.00085));
            product *= 1 - root * root;
            assertThat(sd.alphaCumprod(t)).isCloseTo(product, within(1e-12));
        }
        assertThat(sd.alphaCumprod(0)).isCloseTo(1 - 0.00085, within(1e-15));
    }

    @Test
    void sigmaRangeIsTheOneKnownForStableDiffusion() {
        // k-diffusion reports sigma_min 0.0292 and sigma_max 14.6146 for SD 1.x.
        assertThat(sd.sigma(0)).isCloseTo(0.029168, within(1e-5));
        assertThat(sd.sigma(999)).isCloseTo(14.614642, within(1e-4));
    }

    @Test
    void fractionalTimestepsInterpolateSigmaAndInvertByLogSigma() {
        assertThat(sd.sigmaAt(500.25)).isCloseTo(0.75 * sd.sigma(500) + 0.25 * sd.sigma(501), within(1e-12));
        double sigma = Math.exp(0.5 * Math.log(sd.sigma(300)) + 0.5 * Math.log(sd.sigma(301)));
        assertThat(sd.timestepForSigma(sigma)).isCloseTo(300.5, within(1e-9));
        assertThat(sd.timestepForSigma(sd.sigma(777))).isCloseTo(777, within(1e-9));
    }

    @Test
    void linearAndZeroSnrSchedules() {
        SchedulerConfig linear = new SchedulerConfig("DDIMScheduler", 10, 0.1, 0.2, "linear", null, "epsilon", 0,
                "leading", false, 1.0, false, false, false, 50, 10.0, null, null, null, null);
        TrainingSchedule s = TrainingSchedule.of(linear);
        assertThat(s.alphaCumprod(0)).isCloseTo(0.9, within(1e-15));
        assertThat(s.alphaCumprod(1)).isCloseTo(0.9 * (1 - (0.1 + 0.1 / 9)), within(1e-15));

        SchedulerConfig zeroSnr = new SchedulerConfig("DDIMScheduler", 1000, 0.00085, 0.012, "scaled_linear", null,
                "epsilon", 0, "leading", false, 1.0, false, true, false, 50, 10.0, null, null, null, null);
        TrainingSchedule z = TrainingSchedule.of(zeroSnr);
        assertThat(z.alphaCumprod(999)).isZero();
        assertThat(z.alphaCumprod(0)).isCloseTo(sd.alphaCumprod(0), within(1e-12));
        assertThat(z.sigma(999)).isCloseTo(Math.sqrt((1 - 0x1p-24) / 0x1p-24), within(1e-6));
    }
}
