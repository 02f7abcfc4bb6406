package dev.troupe.renderer.scheduler;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.renderer.model.SchedulerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What a scheduler_config.json asks for against what runs: the sampler chosen, each difference said, Karras sigmas
 * for Euler, and diffusers' defaults for keys a config leaves out.
 */
class SchedulerConfigChoiceTest {

    static SchedulerConfig config(String json) throws Exception {
        return new ObjectMapper().readValue(json, SchedulerConfig.class);
    }

    /** SD 1.5's own scheduler config (runwayml/stable-diffusion-v1-5, scheduler/scheduler_config.json). */
    static final String SD15_PNDM = """
            {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
             "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
             "trained_betas": null, "clip_sample": false}""";

    @Test
    void anUnimplementedClassIsNamedWithWhatRunsInstead() throws Exception {
        Sampler.Choice choice = Sampler.choose(null, config(SD15_PNDM));
        assertThat(choice.sampler()).isEqualTo(Sampler.DDIM);
        assertThat(choice.notes()).singleElement().asString().contains("PNDMScheduler").contains("DDIM")
                .contains("--sampler");
        // asked for by name, the class does not matter
        assertThat(Sampler.choose("euler", config(SD15_PNDM)).notes()).isEmpty();
        assertThat(Sampler.choose(null, config("{\"_class_name\": \"DDIMScheduler\"}")).notes()).isEmpty();
    }

    @Test
    void unsupportedSettingsAreEachSaidOnce() throws Exception {
        SchedulerConfig dpm = config("""
                {"_class_name": "DPMSolverMultistepScheduler", "thresholding": true,
                 "algorithm_type": "sde-dpmsolver++", "solver_order": 3, "use_karras_sigmas": true}""");
        Sampler.Choice choice = Sampler.choose(null, dpm);
        assertThat(choice.sampler()).isEqualTo(Sampler.DPMPP_2M_KARRAS);
        assertThat(choice.notes()).hasSize(3);
        assertThat(String.join("\n", choice.notes())).contains("thresholding").contains("sde-dpmsolver++")
                .contains("solver_order 3");
        SchedulerConfig ancestral = config("""
                {"_class_name": "EulerAncestralDiscreteScheduler", "use_karras_sigmas": true}""");
        assertThat(Sampler.choose(null, ancestral).notes()).singleElement().asString()
                .contains("use_karras_sigmas").contains("Euler a");
        SchedulerConfig plain = config("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 2, "
                + "\"algorithm_type\": \"dpmsolver++\"}");
        assertThat(Sampler.choose(null, plain).notes()).isEmpty();
    }

    @Test
    void eulerFollowsUseKarrasSigmasAndSaysSo() throws Exception {
        SchedulerConfig karras = config("""
                {"_class_name": "EulerDiscreteScheduler", "use_karras_sigmas": true, "steps_offset": 1,
                 "timestep_spacing": "leading"}""");
        Sampler.Choice choice = Sampler.choose(null, karras);
        assertThat(choice.sampler()).isEqualTo(Sampler.EULER_KARRAS);
        assertThat(choice.sampler().displayName()).isEqualTo("Euler Karras");
        assertThat(choice.notes()).isEmpty();

        EulerScheduler euler = (EulerScheduler) choice.sampler().create(karras);
        int n = 10;
        euler.setTimesteps(n);
        double max = SchedulerReferenceTest.sigma(999), min = SchedulerReferenceTest.sigma(0);
        for (int i = 0; i < n; i++) {
            // Karras et al. (2022), eq. 5, rho = 7
            double expected = Math.pow(Math.pow(max, 1 / 7.0) + i / (n - 1.0)
                    * (Math.pow(min, 1 / 7.0) - Math.pow(max, 1 / 7.0)), 7);
            assertThat(euler.sigma(i)).isCloseTo(expected, within(1e-9 * expected));
            // the timestep the UNet is told has that noise level (log-sigma interpolation between integers)
            double t = euler.timestep(i);
            int lo = (int) Math.min(998, Math.floor(t));
            double logSigma = (lo + 1 - t) * Math.log(SchedulerReferenceTest.sigma(lo))
                    + (t - lo) * Math.log(SchedulerReferenceTest.sigma(lo + 1));
            assertThat(logSigma).isCloseTo(Math.log(expected), within(1e-9));
        }
        assertThat(euler.sigma(n)).isZero();
        assertThat(euler.initNoiseSigma()).isCloseTo(Math.sqrt(max * max + 1), within(1e-9)); // leading spacing
        // dpmpp_2m asked for by name runs without Karras sigmas, as its PNG name says
        DpmSolverMultistepScheduler named = (DpmSolverMultistepScheduler) Sampler.DPMPP_2M.create(karras);
        named.setTimesteps(n);
        DpmSolverMultistepScheduler plain = (DpmSolverMultistepScheduler) Sampler.DPMPP_2M.create(
                config("{\"_class_name\": \"EulerDiscreteScheduler\", \"steps_offset\": 1}"));
        plain.setTimesteps(n);
        for (int i = 0; i < n; i++) {
            assertThat(named.timestep(i)).isEqualTo(plain.timestep(i));
        }
    }

    @Test
    void missingClipSampleAndSetAlphaToOneTakeTheirClassDefaults() throws Exception {
        // diffusers' DDIMScheduler: clip_sample=True, set_alpha_to_one=True; PNDMScheduler: set_alpha_to_one=False
        SchedulerConfig ddim = config("{\"_class_name\": \"DDIMScheduler\", \"steps_offset\": 1}");
        assertThat(ddim.clipSample()).isTrue();
        assertThat(ddim.setAlphaToOne()).isTrue();
        SchedulerConfig pndm = config("{\"_class_name\": \"PNDMScheduler\", \"steps_offset\": 1}");
        assertThat(pndm.clipSample()).isFalse();
        assertThat(pndm.setAlphaToOne()).isFalse();
        assertThat(config(SD15_PNDM).clipSample()).isFalse();

        // with clipping, x0 = (x - sqrt(1 - ac) eps) / sqrt(ac) is clipped to [-1, 1], eps recomputed from it
        DdimScheduler clipping = new DdimScheduler(ddim);
        clipping.setTimesteps(10); // step 4: t = 501, then 401
        float[] x = {3.0f};
        float[] eps = {-0.5f};
        double a = SchedulerReferenceTest.ac(501), p = SchedulerReferenceTest.ac(401);
        assertThat((3.0 + Math.sqrt(1 - a) * 0.5) / Math.sqrt(a)).isGreaterThan(1); // would be clipped
        double e = (3.0 - Math.sqrt(a)) / Math.sqrt(1 - a);
        clipping.step(eps, 4, x, null);
        assertThat(x[0]).isCloseTo((float) (Math.sqrt(p) + Math.sqrt(1 - p) * e), within(1e-5f));
    }
}
