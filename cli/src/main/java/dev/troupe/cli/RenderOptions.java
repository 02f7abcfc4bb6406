package dev.troupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * How to draw a plan, shared by {@code troupe render} and {@code troupe run}. Steps, guidance and sampler default
 * to what the model folder recommends in model_index.json ({@code troupe_defaults}), else to SD's usual 20 / 7.5.
 */
final class RenderOptions {

    @Mixin
    ModelOptions model;

    @Option(names = "--steps", description = "denoising steps (default: the model's recommendation, else 20)")
    Integer steps;

    @Option(names = "--cfg", description = "classifier-free guidance scale; <= 1 skips the negative prompt "
            + "(default: the model's recommendation, else 7.5)")
    Double cfg;

    @Option(names = "--sampler", paramLabel = "NAME",
            description = "ddim, euler, euler_a, dpmpp_2m, dpmpp_2m_karras or lcm (default: the model's scheduler)")
    String sampler;

    @Option(names = "--mode", paramLabel = "joint|composite", defaultValue = "joint",
            description = "joint: one canvas, regions fused every step; composite: regions drawn alone, blended in "
                    + "pixels (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--blend", paramLabel = "laplacian|alpha", defaultValue = "laplacian",
            description = "pixel blend in composite mode (default: ${DEFAULT-VALUE})")
    String blend;

    @Option(names = "--margin", paramLabel = "LATENT_PX", defaultValue = "-1",
            description = "context margin around each box, in latent pixels (default: a quarter of the box's shorter side)")
    int margin;

    @Option(names = "--background-weight", defaultValue = "0.2",
            description = "weight of the background prompt inside the boxes (default: ${DEFAULT-VALUE})")
    double backgroundWeight;

    @Option(names = "--bootstrap", defaultValue = "0.3",
            description = "fraction of the first steps in which each region sees a plain colour around its box, "
                    + "so its subject stays inside (default: ${DEFAULT-VALUE})")
    double bootstrap;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    RegionalRenderer.Settings settings(StableDiffusionModel loaded) {
        JsonNode defaults = loaded.directory().modelIndex().path("troupe_defaults");
        int n = steps != null ? steps : defaults.path("steps").asInt(20);
        double g = cfg != null ? cfg : defaults.path("guidance").asDouble(7.5);
        Sampler s;
        try {
            s = sampler != null ? Sampler.parse(sampler) : Sampler.forConfig(loaded.schedulerConfig());
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
        if (n < 1 || n > 1000) {
            throw new UserInputException("--steps must be between 1 and 1000, not " + n);
        }
        if (!Double.isFinite(g) || g < 0) {
            throw new UserInputException("--cfg must be a finite number >= 0, not " + g);
        }
        if (!(backgroundWeight >= 0) || !(bootstrap >= 0 && bootstrap <= 1)) {
            throw new UserInputException("--background-weight must be >= 0 and --bootstrap between 0 and 1");
        }
        return new RegionalRenderer.Settings(n, g, s, parse(RegionalRenderer.Mode.class, "--mode", mode), margin,
                backgroundWeight, bootstrap, parse(RegionalRenderer.Blend.class, "--blend", blend));
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(option + " '" + value + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}
