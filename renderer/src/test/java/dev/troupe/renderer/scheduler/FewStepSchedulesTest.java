package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.model.SchedulerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The timesteps few-step models are sampled on (SD-Turbo, SDXL-Turbo and SDXL-Lightning ship "trailing" spacing), for
 * T = 1000 training steps. Expected values are worked by hand from diffusers' {@code set_timesteps} formulas (Lin et
 * al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", table 2, which diffusers cites for them):
 * <pre>
 *   Euler / Euler a:  trailing  np.round(np.arange(T, 0, -T / n)) - 1
 *                     leading   np.arange(0, n) * (T // n) reversed, + steps_offset
 *                     linspace  np.linspace(0, T - 1, n) reversed
 *   DPM-Solver:       trailing  as Euler; leading np.arange(0, n + 1) * (T // (n + 1)) reversed, last dropped,
 *                     + steps_offset; linspace np.linspace(0, T - 1, n + 1).round() reversed, last dropped
 * </pre>
 * For n = 4: trailing 1000, 750, 500, 250 minus 1; leading 0, 250, 500, 750 reversed plus 1; linspace 0, 333, 666,
 * 999 reversed; DPM leading 0, 200, .. 800 reversed without 0, plus 1; DPM linspace 0, 249.75, 499.5, 749.25, 999
 * rounded half to even (numpy) to 0, 250, 500, 749, 999.
 */
class FewStepSchedulesTest {

    private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion(); // steps_offset 1, leading

    private static double[] timesteps(Scheduler s, int n) {
        s.setTimesteps(n);
        return SchedulerReferenceTest.timesteps(s);
    }

    @Test
    void trailingSpacingStartsAtTheLastTrainingTimestepForEverySampler() {
        SchedulerConfig trailing = SD.withTimestepSpacing("trailing", 1); // the offset does not apply to trailing
        assertThat(timesteps(new EulerScheduler(trailing, false), 4)).containsExactly(999, 749, 499, 249);
        assertThat(timesteps(new EulerAncestralScheduler(trailing), 4)).containsExactly(999, 749, 499, 249);
        assertThat(timesteps(new DpmSolverMultistepScheduler(trailing, false), 4)).containsExactly(999, 749, 499, 249);
        assertThat(timesteps(new DdimScheduler(trailing), 4)).containsExactly(999, 749, 499, 249);
        // SDXL-Turbo's documented single step: the noisiest timestep
        assertThat(timesteps(new EulerAncestralScheduler(trailing), 1)).containsExactly(999);
        assertThat(timesteps(new EulerScheduler(trailing, false), 2)).containsExactly(999, 499);
    }

    @Test
    void leadingAndLinspaceSpacingForComparison() {
        assertThat(timesteps(new EulerScheduler(SD, false), 4)).containsExactly(751, 501, 251, 1);
        assertThat(timesteps(new EulerAncestralScheduler(SD), 4)).containsExactly(751, 501, 251, 1);
        assertThat(timesteps(new DpmSolverMultistepScheduler(SD, false), 4)).containsExactly(801, 601, 401, 201);
        SchedulerConfig linspace = SD.withTimestepSpacing("linspace", 0);
        assertThat(timesteps(new EulerScheduler(linspace, false), 4)).containsExactly(999, 666, 333, 0);
        assertThat(timesteps(new DpmSolverMultistepScheduler(linspace, false), 4)).containsExactly(999, 749, 500, 250);
    }

    @Test
    void trailingEulerStartsFromPureNoiseAtSigmaMax() {
        // diffusers: init_noise_sigma = sigma_max for "linspace" and "trailing", sqrt(sigma_max^2 + 1) for "leading"
        EulerScheduler trailing = new EulerScheduler(SD.withTimestepSpacing("trailing", 1), false);
        trailing.setTimesteps(4);
        assertThat(trailing.initNoiseSigma()).isCloseTo(SchedulerReferenceTest.sigma(999), within(1e-9));
        EulerScheduler leading = new EulerScheduler(SD, false);
        leading.setTimesteps(4);
        double s = SchedulerReferenceTest.sigma(751);
        assertThat(leading.initNoiseSigma()).isCloseTo(Math.sqrt(s * s + 1), within(1e-9));
    }

    @Test
    void continuousTimestepsConditionAVPredictionUNetOnAQuarterOfLogSigma() {
        SchedulerConfig continuous = new ObjectConfig().with("timestep_type", "continuous")
                .with("prediction_type", "v_prediction").with("timestep_spacing", "trailing").read();
        assertThat(continuous.timestepType()).isEqualTo("continuous");
        EulerScheduler euler = new EulerScheduler(continuous, false);
        euler.setTimesteps(4);
        int[] discrete = {999, 749, 499, 249};
        for (int i = 0; i < 4; i++) {
            assertThat(euler.timestep(i)).isCloseTo(0.25 * Math.log(SchedulerReferenceTest.sigma(discrete[i])),
                    within(1e-9));
            assertThat(euler.sigma(i)).isCloseTo(SchedulerReferenceTest.sigma(discrete[i]), within(1e-9));
        }
        // the signal level regions are bootstrapped with still follows sigma: ac = 1 / (sigma^2 + 1)
        DenoisingLoop loop = new DenoisingLoop(Sampler.EULER, continuous, 4);
        double s = SchedulerReferenceTest.sigma(749);
        assertThat(loop.alphaCumprodAt(euler.timestep(1))).isCloseTo(1 / (s * s + 1), within(1e-9));
        // diffusers applies it to v-prediction only: an epsilon model keeps discrete timesteps
        SchedulerConfig epsilon = new ObjectConfig().with("timestep_type", "continuous")
                .with("timestep_spacing", "trailing").read();
        assertThat(timesteps(new EulerScheduler(epsilon, false), 4)).containsExactly(999, 749, 499, 249);
    }

    /** A scheduler_config.json as a user's export has it, read the way the model directory reads it. */
    private static final class ObjectConfig {
        private final com.fasterxml.jackson.databind.node.ObjectNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("_class_name",
                        "EulerDiscreteScheduler").put("steps_offset", 1);

        ObjectConfig with(String key, String value) {
            json.put(key, value);
            return this;
        }

        SchedulerConfig read() {
            try {
                return new com.fasterxml.jackson.databind.ObjectMapper().treeToValue(json, SchedulerConfig.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(e);
            }
        }
    }
}
