package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.noise.GaussianNoise;

/**
 * A diffusion sampler in the diffusers shape: {@code setTimesteps}, then for each step i the UNet sees
 * {@code scaleModelInput(x, i)} at {@code timestep(i)} and {@code step} moves x to the next noise level.
 * Latents are flat float arrays {@code [N, C, h, w]}; the scheduler works element-wise, so any shape works.
 * State (timesteps, sigmas, a multistep history) lives in the object: use one instance per image.
 */
public interface Scheduler {

    /** Chooses the n inference timesteps and clears any state from a previous run. */
    void setTimesteps(int steps);

    /**
     * The most steps {@link #setTimesteps} takes on this training schedule: each chosen timestep a distinct training
     * timestep in 0..T-1 (or, for samplers spaced in sigma, each sigma below the one before).
     */
    int maxSteps();

    /** The number of steps chosen by {@link #setTimesteps}. */
    int stepCount();

    /** The timestep the UNet is conditioned on at step i (fractional for sigma-interpolating samplers). */
    double timestep(int i);

    /**
     * Whether {@link #timestep} is {@code 0.25 ln sigma} (diffusers' {@code timestep_type} "continuous") rather than a
     * training timestep t.
     */
    default boolean continuousTimesteps() {
        return false;
    }

    /** The standard deviation of the starting latent: x = noise * initNoiseSigma(). */
    double initNoiseSigma();

    /** c_in at step i: the UNet sees x * c_in (diffusers {@code scale_model_input}). */
    double modelInputScale(int i);

    /** Writes x * c_in(i) into {@code out}. */
    default void scaleModelInput(float[] sample, int i, float[] out) {
        float c = (float) modelInputScale(i);
        for (int k = 0; k < sample.length; k++) {
            out[k] = sample[k] * c;
        }
    }

    /**
     * Advances {@code sample} in place from step i to step i + 1.
     *
     * @param modelOutput the (guided) UNet prediction at step i, of the configured prediction type
     * @param noise       fresh Gaussian noise for stochastic samplers (ancestral, LCM); others do not draw from it
     */
    void step(float[] modelOutput, int i, float[] sample, GaussianNoise noise);
}
