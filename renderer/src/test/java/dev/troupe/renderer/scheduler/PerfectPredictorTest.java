package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * With an oracle that returns the true noise (or v) of a known x0 for whatever sample it is shown, every sampler
 * must end at x0, driven by the pipelines' own {@link DenoisingLoop} (scale input, predict, step).
 */
class PerfectPredictorTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Sampler sampler : Sampler.values()) {
            for (String prediction : List.of("epsilon", "v_prediction")) {
                for (String spacing : List.of("leading", "trailing", "linspace")) {
                    for (int steps : new int[] {4, 15}) {
                        cases.add(Arguments.of(sampler, prediction, spacing, steps));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} steps")
    @MethodSource("cases")
    void endsAtTheCleanImage(Sampler sampler, String prediction, String spacing, int steps) {
        SchedulerConfig config = SchedulerConfig.stableDiffusion()
                .withPredictionType(prediction)
                .withTimestepSpacing(spacing, spacing.equals("leading") ? 1 : 0)
                .withSetAlphaToOne(true);
        // the oracle reads the sigmas of the Karras ramp from a scheduler set up as the loop's own
        Scheduler scheduler = sampler.create(config);
        scheduler.setTimesteps(steps);

        float[] x0 = new float[64];
        GaussianNoise data = new GaussianNoise(1);
        for (int k = 0; k < x0.length; k++) {
            x0[k] = (float) Math.tanh(data.nextGaussian()); // image-like values in (-1, 1)
        }
        float[] x = new float[x0.length];
        float[] output = new float[x.length];
        List<Integer> heard = new ArrayList<>();
        new DenoisingLoop(sampler, config, steps).run(x, (latents, sigma) -> {
            new GaussianNoise(2).fill(latents, sigma);
            return new GaussianNoise(3);
        }, (i, timestep, modelInput) -> {
            assertThat(timestep).isEqualTo(scheduler.timestep(i));
            double ac = sampler == Sampler.EULER_KARRAS ? 1 / (1 + Math.pow(((EulerScheduler) scheduler).sigma(i), 2))
                    : signalLevel(scheduler, i);
            for (int k = 0; k < x.length; k++) {
                double eps = (modelInput[k] - Math.sqrt(ac) * x0[k]) / Math.sqrt(1 - ac);
                output[k] = (float) (prediction.equals("epsilon") ? eps : Math.sqrt(ac) * eps - Math.sqrt(1 - ac) * x0[k]);
            }
            return output;
        }, (step, n) -> heard.add(step));
        assertThat(heard).hasSize(steps).startsWith(1).endsWith(steps).isSorted();
        assertThat(x).containsExactly(x0, within(2e-3f));
    }

    /**
     * The alphas_cumprod of the sample the UNet sees at step i: from the timestep (sigma interpolated linearly for
     * fractional timesteps, as the Euler samplers do), except on the Karras ramp, whose sigmas lie between timesteps.
     */
    private static double signalLevel(Scheduler scheduler, int i) {
        if (scheduler instanceof DpmSolverMultistepScheduler dpm) {
            double s = dpm.sigma(i);
            return 1 / (1 + s * s);
        }
        double t = scheduler.timestep(i);
        int lo = (int) Math.floor(t);
        double w = t - lo;
        double s = w == 0 ? SchedulerReferenceTest.sigma(lo)
                : (1 - w) * SchedulerReferenceTest.sigma(lo) + w * SchedulerReferenceTest.sigma(lo + 1);
        return 1 / (1 + s * s);
    }
}
