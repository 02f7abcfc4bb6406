package dev.troupe.renderer.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The fields of a diffusers {@code scheduler/scheduler_config.json} that the samplers use, and those they do not
 * support but must mention ({@code thresholding}, {@code algorithm_type}, {@code solver_order}). Missing keys take
 * diffusers' defaults: the SD 1.x schedule (configs that predate {@code timestep_spacing} behave as "leading"), and
 * for {@code clip_sample} and {@code set_alpha_to_one} the default of the class the config names: both true for
 * DDIMScheduler (and {@code clip_sample} for DDPMScheduler, {@code set_alpha_to_one} for LCMScheduler), false for the
 * others (PNDM, Euler and DPM-Solver do not clip, and PNDM's final step keeps alpha_cumprod[0]).
 *
 * @param className            {@code _class_name}, e.g. "DDIMScheduler" (names the model's preferred sampler)
 * @param numTrainTimesteps    T, the length of the training noise schedule (1000)
 * @param betaStart            beta_0
 * @param betaEnd              beta_{T-1}
 * @param betaSchedule         "linear", "scaled_linear" or "squaredcos_cap_v2"
 * @param trainedBetas         explicit betas, overriding the schedule when present
 * @param predictionType       "epsilon", "v_prediction" or "sample"
 * @param stepsOffset          added to "leading" timesteps (1 for SD 1.x)
 * @param timestepSpacing      "leading", "trailing" or "linspace"
 * @param clipSample           DDIM: clip the predicted x0 to [-clipSampleRange, clipSampleRange] (a latent model's
 *                             configs say false: SD latents are not bounded by 1)
 * @param clipSampleRange      see clipSample
 * @param setAlphaToOne        DDIM: the final step goes to alpha_cumprod 1 (else alpha_cumprod[0])
 * @param rescaleBetasZeroSnr  rescale betas so the last timestep has zero signal (Lin et al. 2023)
 * @param useKarrasSigmas      DPM-Solver: Karras et al. sigma spacing
 * @param originalInferenceSteps LCM: the number of steps of the distillation schedule (50)
 * @param timestepScaling      LCM: scale of t in the consistency boundary condition (10)
 * @param thresholding         dynamic thresholding (Imagen); not supported, mentioned when true
 * @param algorithmType        DPM-Solver: "dpmsolver++" (supported), "dpmsolver", "sde-dpmsolver++" ...
 * @param solverOrder          DPM-Solver: the multistep order (2 supported)
 * @param timestepType         Euler: "discrete" (the UNet sees the training timestep t) or "continuous" (with
 *                             v-prediction, the UNet sees 0.25 ln sigma, as EDM-style models are trained)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SchedulerConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("num_train_timesteps") Integer numTrainTimesteps,
        @JsonProperty("beta_start") Double betaStart,
        @JsonProperty("beta_end") Double betaEnd,
        @JsonProperty("beta_schedule") String betaSchedule,
        @JsonProperty("trained_betas") double[] trainedBetas,
        @JsonProperty("prediction_type") String predictionType,
        @JsonProperty("steps_offset") Integer stepsOffset,
        @JsonProperty("timestep_spacing") String timestepSpacing,
        @JsonProperty("clip_sample") Boolean clipSample,
        @JsonProperty("clip_sample_range") Double clipSampleRange,
        @JsonProperty("set_alpha_to_one") Boolean setAlphaToOne,
        @JsonProperty("rescale_betas_zero_snr") Boolean rescaleBetasZeroSnr,
        @JsonProperty("use_karras_sigmas") Boolean useKarrasSigmas,
        @JsonProperty("original_inference_steps") Integer originalInferenceSteps,
        @JsonProperty("timestep_scaling") Double timestepScaling,
        @JsonProperty("thresholding") Boolean thresholding,
        @JsonProperty("algorithm_type") String algorithmType,
        @JsonProperty("solver_order") Integer solverOrder,
        @JsonProperty("timestep_type") String timestepType) {

    public SchedulerConfig {
        className = className == null ? "DDIMScheduler" : className;
        numTrainTimesteps = numTrainTimesteps == null ? 1000 : numTrainTimesteps;
        betaStart = betaStart == null ? 0.00085 : betaStart;
        betaEnd = betaEnd == null ? 0.012 : betaEnd;
        betaSchedule = betaSchedule == null ? "scaled_linear" : betaSchedule;
        predictionType = predictionType == null ? "epsilon" : predictionType;
        stepsOffset = stepsOffset == null ? 0 : stepsOffset;
        timestepSpacing = timestepSpacing == null ? "leading" : timestepSpacing;
        clipSample = clipSample != null ? clipSample
                : className.equals("DDIMScheduler") || className.equals("DDPMScheduler");
        clipSampleRange = clipSampleRange == null ? 1.0 : clipSampleRange;
        setAlphaToOne = setAlphaToOne != null ? setAlphaToOne
                : className.equals("DDIMScheduler") || className.equals("LCMScheduler");
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null && rescaleBetasZeroSnr;
        useKarrasSigmas = useKarrasSigmas != null && useKarrasSigmas;
        originalInferenceSteps = originalInferenceSteps == null ? 50 : originalInferenceSteps;
        timestepScaling = timestepScaling == null ? 10.0 : timestepScaling;
        thresholding = thresholding != null && thresholding;
        algorithmType = algorithmType == null ? "dpmsolver++" : algorithmType;
        solverOrder = solverOrder == null ? 2 : solverOrder;
        timestepType = timestepType == null ? "discrete" : timestepType;
    }

    /** The Stable Diffusion 1.x schedule (scaled_linear 0.00085..0.012, epsilon, leading, offset 1). */
    public static SchedulerConfig stableDiffusion() {
        return new SchedulerConfig("DDIMScheduler", 1000, 0.00085, 0.012, "scaled_linear", null, "epsilon", 1,
                "leading", false, 1.0, false, false, false, 50, 10.0, false, "dpmsolver++", 2, "discrete");
    }

    public SchedulerConfig withPredictionType(String type) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                type, stepsOffset, timestepSpacing, clipSample, clipSampleRange, setAlphaToOne,
                rescaleBetasZeroSnr, useKarrasSigmas, originalInferenceSteps, timestepScaling, thresholding,
                algorithmType, solverOrder, timestepType);
    }

    public SchedulerConfig withTimestepSpacing(String spacing, int offset) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                predictionType, offset, spacing, clipSample, clipSampleRange, setAlphaToOne,
                rescaleBetasZeroSnr, useKarrasSigmas, originalInferenceSteps, timestepScaling, thresholding,
                algorithmType, solverOrder, timestepType);
    }

    public SchedulerConfig withSetAlphaToOne(boolean one) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                predictionType, stepsOffset, timestepSpacing, clipSample, clipSampleRange, one,
                rescaleBetasZeroSnr, useKarrasSigmas, originalInferenceSteps, timestepScaling, thresholding,
                algorithmType, solverOrder, timestepType);
    }
}
