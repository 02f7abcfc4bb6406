package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The deterministic samplers' steps are affine in the model output, so blending predictions and stepping once
 * equals stepping each prediction and blending the results (the regional renderer relies on this).
 */
class AffineStepProperties {

    @Property(tries = 200)
    void blendingPredictionsCommutesWithTheStep(@ForAll("deterministic") Sampler sampler,
                                                @ForAll @IntRange(min = 2, max = 30) int steps,
                                                @ForAll @IntRange(min = 0, max = 29) int stepIndex,
                                                @ForAll @DoubleRange(min = 0, max = 1) double weight,
                                                @ForAll @DoubleRange(min = -3, max = 3) double x,
                                                @ForAll @DoubleRange(min = -3, max = 3) double first,
                                                @ForAll @DoubleRange(min = -3, max = 3) double second) {
        int i = Math.min(stepIndex, steps - 1);
        float blended = step(sampler, steps, i, x, weight * first + (1 - weight) * second);
        float a = step(sampler, steps, i, x, first);
        float b = step(sampler, steps, i, x, second);
        assertThat((double) blended).isCloseTo(weight * a + (1 - weight) * b, within(1e-3 * (1 + Math.abs(a) + Math.abs(b))));
    }

    private static float step(Sampler sampler, int steps, int i, double x, double output) {
        Scheduler scheduler = sampler.create(SchedulerConfig.stableDiffusion());
        scheduler.setTimesteps(steps);
        float[] sample = {(float) x};
        float[] out = new float[1];
        // replay earlier steps with a fixed output so multistep history is the same for both paths
        for (int k = 0; k < i; k++) {
            out[0] = 0.1f;
            scheduler.step(out, k, sample, null);
        }
        out[0] = (float) output;
        scheduler.step(out, i, sample, null);
        return sample[0];
    }

    @Provide
    Arbitrary<Sampler> deterministic() {
        return Arbitraries.of(Sampler.DDIM, Sampler.EULER, Sampler.EULER_KARRAS, Sampler.DPMPP_2M, Sampler.DPMPP_2M_KARRAS);
    }
}
