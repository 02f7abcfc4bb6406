package dev.troupe.verify;

import dev.troupe.composer.RegionalRenderer;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.scheduler.Sampler;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's embedded model, and the settings it recommends (model_index.json: 15 DDIM steps, cfg 7). */
final class EmbeddedModel {
    private EmbeddedModel() {
    }

    static Path folder() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/embedded/unet"))) {
                return p.resolve("models/embedded");
            }
        }
        throw new IllegalStateException("models/embedded is missing: the embedded model ships with the repository");
    }

    static RegionalRenderer.Settings settings(StableDiffusionModel model, RegionalRenderer.Mode mode) {
        return new RegionalRenderer.Settings(15, 7.0, Sampler.choose(null, model.schedulerConfig()).sampler(), mode,
                -1, 0.05, 0.3, RegionalRenderer.Blend.LAPLACIAN, 0);
    }
}
