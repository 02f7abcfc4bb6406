package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The most steps each sampler takes, worked by hand from the timestep formulas (T = 1000). */
class SamplerMaxStepsTest {

    private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion(); // leading, steps_offset 1

    @Test
    void leadingSpacingWithOffsetOneStopsOneShortOfTheTrainingSteps() {
        // DDIM, Euler: t_0 = (n - 1) floor(1000 / n) + 1; n = 1000 gives t = 1000, n = 999 gives t = 999
        assertThat(Sampler.DDIM.maxSteps(SD)).isEqualTo(999);
        assertThat(Sampler.EULER.maxSteps(SD)).isEqualTo(999);
        assertThat(Sampler.EULER_ANCESTRAL.maxSteps(SD)).isEqualTo(999);
        // DPM++ spaces n + 1 points: t_0 = n floor(1000 / (n + 1)) + 1; n = 999 gives 1000, n = 998 gives 999
        assertThat(Sampler.DPMPP_2M.maxSteps(SD)).isEqualTo(998);
    }

    @Test
    void otherSpacingsReachEveryTrainingStepAndLcmItsDistillationSteps() {
        SchedulerConfig trailing = SD.withTimestepSpacing("trailing", 0);
        assertThat(Sampler.DDIM.maxSteps(trailing)).isEqualTo(1000); // t_i = round(1000 - i) - 1: 999 .. 0
        assertThat(Sampler.DDIM.maxSteps(SD.withTimestepSpacing("linspace", 0))).isEqualTo(1000);
        assertThat(Sampler.DPMPP_2M_KARRAS.maxSteps(SD)).isEqualTo(1000); // sigmas map back into 0..999
        assertThat(Sampler.LCM.maxSteps(SD)).isEqualTo(50); // original_inference_steps
    }

    @Test
    void everySamplerRunsAllItsStepsAtItsMaximum() {
        for (Sampler sampler : Sampler.values()) {
            Scheduler scheduler = sampler.create(SD);
            int n = sampler.maxSteps(SD);
            scheduler.setTimesteps(n);
            float[] x = new float[8];
            float[] prediction = new float[8];
            GaussianNoise noise = new GaussianNoise(3);
            noise.fill(x, scheduler.initNoiseSigma());
            for (int i = 0; i < n; i++) {
                scheduler.step(prediction, i, x, noise);
            }
            for (float v : x) {
                assertThat(Float.isFinite(v)).as(sampler + " at " + n + " steps").isTrue();
            }
        }
    }
}
