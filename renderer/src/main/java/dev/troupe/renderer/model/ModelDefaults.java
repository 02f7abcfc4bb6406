package dev.troupe.renderer.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The steps and guidance a model is drawn with when the user does not say, and where they came from. In order:
 * <ol>
 *   <li>{@code troupe_defaults} in model_index.json ({@code {"steps": 4, "guidance": 1.0}}), each key on its own;</li>
 *   <li>an LCM model (scheduler {@code LCMScheduler}): 4 steps, guidance 1 (LCM and LCM-LoRA are distilled for 2-8
 *       steps with little or no guidance; 1 runs no negative pass);</li>
 *   <li>a few-step distilled model: "trailing" timestep spacing without zero-terminal-SNR rescaling, as SD-Turbo,
 *       SDXL-Turbo and SDXL-Lightning ship their schedulers: 4 steps, guidance 0 (they are distilled without
 *       classifier-free guidance; their model cards use 1-4 steps at guidance 0);</li>
 *   <li>otherwise Stable Diffusion's usual 20 steps at guidance 7.5.</li>
 * </ol>
 *
 * @param source what the figures come from, in words (for {@code models info} and notes)
 */
public record ModelDefaults(int steps, double guidance, String source) {

    public static final int STEPS = 20;
    public static final double GUIDANCE = 7.5;

    public static ModelDefaults of(ModelDirectory directory) {
        SchedulerConfig scheduler = directory.schedulerConfig();
        ModelDefaults base;
        if (scheduler.className().equals("LCMScheduler")) {
            base = new ModelDefaults(4, 1.0, "an LCM scheduler (LCMScheduler)");
        } else if (scheduler.timestepSpacing().equals("trailing") && !scheduler.rescaleBetasZeroSnr()) {
            base = new ModelDefaults(4, 0.0, "a few-step (Turbo / Lightning) scheduler config: trailing timestep "
                    + "spacing");
        } else {
            base = new ModelDefaults(STEPS, GUIDANCE, "Stable Diffusion's usual settings");
        }
        JsonNode own = directory.modelIndex().path("troupe_defaults");
        if (own.path("steps").isInt() || own.path("guidance").isNumber()) {
            return new ModelDefaults(own.path("steps").asInt(base.steps()),
                    own.path("guidance").asDouble(base.guidance()), "troupe_defaults in model_index.json");
        }
        return base;
    }
}
