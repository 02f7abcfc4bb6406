package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.noise.GaussianNoise;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Timesteps and single updates against values computed here from the published equations. */
class SchedulerReferenceTest {

    private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion();

    /** ac[t] for the SD schedule, recomputed independently of TrainingSchedule. */
    static double ac(int t) {
        double product = 1;
        for (int s = 0; s <= t; s++) {
            double root = Math.sqrt(0.00085) + s / 999.0 * (Math.sqrt(0.012) - Math.sqrt(0.00085));
            product *= 1 - root * root;
        }
        return product;
    }

    static double sigma(int t) {
        return Math.sqrt((1 - ac(t)) / ac(t));
    }

    static double[] timesteps(Scheduler s) {
        double[] t = new double[s.stepCount()];
        for (int i = 0; i < t.length; i++) {
            t[i] = s.timestep(i);
        }
        return t;
    }

    @Test
    void theSignalLevelTheLoopGivesRegionsFollowsTheTrainingSchedule() {
        DenoisingLoop loop = new DenoisingLoop(Sampler.DDIM, SD, 10);
        for (int t : new int[] {0, 1, 500, 999}) {
            assertThat(loop.alphaCumprodAt(t)).as("t = %d", t).isCloseTo(ac(t), within(1e-12));
        }
        // between training timesteps sigma is interpolated linearly, as the Euler samplers do
        double s = 0.75 * sigma(500) + 0.25 * sigma(501);
        assertThat(loop.alphaCumprodAt(500.25)).isCloseTo(1 / (1 + s * s), within(1e-12));
    }

    @Test
    void ddimTimestepsForEachSpacing() {
        Scheduler leading = new DdimScheduler(SD);
        leading.setTimesteps(10);
        assertThat(timesteps(leading)).containsExactly(901, 801, 701, 601, 501, 401, 301, 201, 101, 1);
        Scheduler trailing = new DdimScheduler(SD.withTimestepSpacing("trailing", 0));
        trailing.setTimesteps(10);
        assertThat(timesteps(trailing)).containsExactly(999, 899, 799, 699, 599, 499, 399, 299, 199, 99);
        Scheduler linspace = new DdimScheduler(SD.withTimestepSpacing("linspace", 0));
        linspace.setTimesteps(4);
        assertThat(timesteps(linspace)).containsExactly(999, 666, 333, 0);
        Scheduler trailing3 = new DdimScheduler(SD.withTimestepSpacing("trailing", 0));
        trailing3.setTimesteps(3);
        assertThat(timesteps(trailing3)).containsExactly(999, 666, 332); // round(1000 - i 333.3) - 1
    }

    @Test
    void ddimOneUpdateEpsilonAndV() {
        DdimScheduler ddim = new DdimScheduler(SD);
        ddim.setTimesteps(10); // step 4 is t = 501, previous t = 401
        float[] x = {0.3f, -1.2f};
        float[] eps = {0.5f, 0.25f};
        float[] expected = new float[2];
        for (int k = 0; k < 2; k++) {
            double x0 = (x[k] - Math.sqrt(1 - ac(501)) * eps[k]) / Math.sqrt(ac(501));
            expected[k] = (float) (Math.sqrt(ac(401)) * x0 + Math.sqrt(1 - ac(401)) * eps[k]);
        }
        ddim.step(eps, 4, x, null);
        assertThat(x).containsExactly(expected, within(1e-6f));

        DdimScheduler vddim = new DdimScheduler(SD.withPredictionType("v_prediction"));
        vddim.setTimesteps(10);
        float[] y = {0.3f};
        float[] v = {0.7f};
        double a = ac(501);
        double x0 = Math.sqrt(a) * 0.3 - Math.sqrt(1 - a) * 0.7;
        double e = Math.sqrt(a) * 0.7 + Math.sqrt(1 - a) * 0.3;
        vddim.step(v, 4, y, null);
        assertThat(y[0]).isCloseTo((float) (Math.sqrt(ac(401)) * x0 + Math.sqrt(1 - ac(401)) * e), within(1e-6f));
    }

    @Test
    void ddimLastStepGoesToAlphaZeroOrOne() {
        DdimScheduler ddim = new DdimScheduler(SD);
        ddim.setTimesteps(10);
        float[] x = {0.3f};
        float[] eps = {0.5f};
        double x0 = (0.3 - Math.sqrt(1 - ac(1)) * 0.5) / Math.sqrt(ac(1));
        ddim.step(eps, 9, x, null);
        assertThat(x[0]).isCloseTo((float) (Math.sqrt(ac(0)) * x0 + Math.sqrt(1 - ac(0)) * 0.5), within(1e-6f));
    }

    @Test
    void eulerSigmasAndOneUpdate() {
        EulerScheduler euler = new EulerScheduler(SD.withTimestepSpacing("linspace", 0), false);
        euler.setTimesteps(4);
        assertThat(timesteps(euler)).containsExactly(new double[] {999, 666, 333, 0}, within(1e-9));
        assertThat(euler.sigma(0)).isCloseTo(sigma(999), within(1e-9));
        assertThat(euler.sigma(4)).isZero();
        assertThat(euler.initNoiseSigma()).isCloseTo(sigma(999), within(1e-9));
        assertThat(euler.modelInputScale(1)).isCloseTo(1 / Math.sqrt(sigma(666) * sigma(666) + 1), within(1e-12));

        EulerScheduler fractional = new EulerScheduler(SD.withTimestepSpacing("linspace", 0), false);
        fractional.setTimesteps(7); // t_1 = 999 * 5/6 = 832.5
        assertThat(fractional.timestep(1)).isCloseTo(832.5, within(1e-9));
        assertThat(fractional.sigma(1)).isCloseTo(0.5 * sigma(832) + 0.5 * sigma(833), within(1e-9));

        float[] x = {2.0f};
        float[] eps = {0.4f};
        double s = sigma(666);
        double denoised = 2.0 - s * 0.4;
        double expected = 2.0 + (2.0 - denoised) / s * (sigma(333) - s);
        euler.step(eps, 1, x, null);
        assertThat(x[0]).isCloseTo((float) expected, within(1e-5f));

        EulerScheduler leading = new EulerScheduler(SD, false);
        leading.setTimesteps(10);
        assertThat(leading.initNoiseSigma()).isCloseTo(Math.sqrt(sigma(901) * sigma(901) + 1), within(1e-9));
    }

    @Test
    void eulerVPredictionUpdate() {
        EulerScheduler euler = new EulerScheduler(SD.withTimestepSpacing("linspace", 0).withPredictionType("v_prediction"), false);
        euler.setTimesteps(4);
        float[] x = {2.0f};
        float[] v = {0.4f};
        double s = sigma(666);
        double denoised = 0.4 * (-s / Math.sqrt(s * s + 1)) + 2.0 / (s * s + 1);
        double expected = 2.0 + (2.0 - denoised) / s * (sigma(333) - s);
        euler.step(v, 1, x, null);
        assertThat(x[0]).isCloseTo((float) expected, within(1e-5f));
    }

    @Test
    void eulerAncestralSplitsTheStepIntoDownAndUp() {
        EulerAncestralScheduler ea = new EulerAncestralScheduler(SD.withTimestepSpacing("trailing", 0));
        ea.setTimesteps(5); // 999, 799, 599, 399, 199
        float[] x = {1.5f, -0.5f};
        float[] eps = {0.2f, -0.3f};
        double s = sigma(799);
        double next = sigma(599);
        double up = Math.sqrt(next * next * (s * s - next * next) / (s * s));
        double down = Math.sqrt(next * next - up * up);
        GaussianNoise reference = new GaussianNoise(42);
        double z0 = reference.nextGaussian();
        double z1 = reference.nextGaussian();
        double[] expected = {
                1.5 + ((1.5 - (1.5 - s * 0.2)) / s) * (down - s) + z0 * up,
                -0.5 + ((-0.5 - (-0.5 - s * -0.3)) / s) * (down - s) + z1 * up};
        ea.step(eps, 1, x, new GaussianNoise(42));
        assertThat(x[0]).isCloseTo((float) expected[0], within(1e-5f));
        assertThat(x[1]).isCloseTo((float) expected[1], within(1e-5f));
    }

    @Test
    void dpmSolverTimestepsAndKarrasSigmas() {
        DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(SD.withTimestepSpacing("linspace", 0), false);
        dpm.setTimesteps(4); // linspace(0, 999, 5) reversed, last dropped
        assertThat(timesteps(dpm)).containsExactly(999, 749, 500, 250);
        DpmSolverMultistepScheduler leading = new DpmSolverMultistepScheduler(SD, false);
        leading.setTimesteps(4); // 1000 // 5 = 200
        assertThat(timesteps(leading)).containsExactly(801, 601, 401, 201);

        DpmSolverMultistepScheduler karras = new DpmSolverMultistepScheduler(SD, true);
        karras.setTimesteps(5);
        double max = sigma(999);
        double min = sigma(0);
        for (int i = 0; i < 5; i++) {
            double root = Math.pow(max, 1 / 7.0) + i / 4.0 * (Math.pow(min, 1 / 7.0) - Math.pow(max, 1 / 7.0));
            assertThat(karras.sigma(i)).isCloseTo(Math.pow(root, 7), within(1e-9));
        }
        assertThat(karras.sigma(5)).isZero();
        assertThat(karras.timestep(0)).isEqualTo(999);
        assertThat(karras.timestep(4)).isEqualTo(0);
    }

    @Test
    void dpmSolverFirstAndSecondOrderUpdates() {
        DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(SD.withTimestepSpacing("linspace", 0), false);
        dpm.setTimesteps(4);
        float[] x = {0.8f};
        // step 0 (first order): exponential integrator x' = (s_t / s_s) x + alpha_t (1 - e^{-h}) D
        double[] sig = {sigma(999), sigma(749), sigma(500)};
        double[] alpha = new double[3];
        double[] lambda = new double[3];
        for (int i = 0; i < 3; i++) {
            alpha[i] = Math.sqrt(ac(new int[] {999, 749, 500}[i]));
            lambda[i] = -Math.log(sig[i]);
        }
        double d0 = (0.8 - sig[0] * alpha[0] * 0.3) / alpha[0];
        double h0 = lambda[1] - lambda[0];
        double x1 = (sig[1] * alpha[1]) / (sig[0] * alpha[0]) * 0.8 + alpha[1] * (1 - Math.exp(-h0)) * d0;
        dpm.step(new float[] {0.3f}, 0, x, null);
        assertThat(x[0]).isCloseTo((float) x1, within(1e-5f));
        // step 1 (second order, midpoint): D = D1 + (D1 - D0) / (2 r), r = (lambda_1 - lambda_0) / h
        double d1 = ((float) x1 - sig[1] * alpha[1] * -0.1) / alpha[1];
        double h1 = lambda[2] - lambda[1];
        double r = h0 / h1;
        double d = d1 + (d1 - d0) / (2 * r);
        double x2 = (sig[2] * alpha[2]) / (sig[1] * alpha[1]) * (float) x1 + alpha[2] * (1 - Math.exp(-h1)) * d;
        dpm.step(new float[] {-0.1f}, 1, x, null);
        assertThat(x[0]).isCloseTo((float) x2, within(1e-5f));
    }

    @Test
    void lcmUsesItsDistillationGrid() {
        LcmScheduler lcm = new LcmScheduler(SD);
        lcm.setTimesteps(4);
        assertThat(timesteps(lcm)).containsExactly(999, 759, 499, 259);
        lcm.setTimesteps(1);
        assertThat(timesteps(lcm)).containsExactly(999);
    }

    @Test
    void lcmOneUpdate() {
        LcmScheduler lcm = new LcmScheduler(SD);
        lcm.setTimesteps(4);
        float[] x = {0.9f};
        double a = ac(759);
        double x0 = (0.9 - Math.sqrt(1 - a) * 0.2) / Math.sqrt(a);
        double u = 7590;
        double denoised = u / Math.sqrt(u * u + 0.25) * x0 + 0.25 / (u * u + 0.25) * 0.9;
        double z = new GaussianNoise(7).nextGaussian();
        double expected = Math.sqrt(ac(499)) * denoised + Math.sqrt(1 - ac(499)) * z;
        lcm.step(new float[] {0.2f}, 1, x, new GaussianNoise(7));
        assertThat(x[0]).isCloseTo((float) expected, within(1e-5f));
    }

    @Test
    void samplerNamesRoundTrip() {
        for (Sampler s : Sampler.values()) {
            assertThat(Sampler.parse(s.cliName())).isEqualTo(s);
            assertThat(Sampler.parse(s.displayName())).isEqualTo(s);
        }
        assertThat(Sampler.forConfig(SD)).isEqualTo(Sampler.DDIM);
    }
}
