package dev.troupe.cli;

import dev.troupe.batch.command.RenderOptions;
import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.memory.SceneMemory;
import dev.troupe.renderer.onnx.PeakMemory;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.scene.ScenePlan;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code troupe render} and {@code run}'s drawing step: draws a plan with a progress bar, reports the LoRAs with
 * {@code -v}, and writes what a user gets ({@link SceneOutputs}: the image with plan and parameters in its metadata, the
 * plan and the boxes overlay, as one set) and a line saying so.
 */
final class SceneRendering {
    private SceneRendering() {
    }

    /**
     * Draws the plan with the model (loaded with the plan's whole-image LoRAs and {@code --lora}) and writes it
     * {@link SceneOutputs#asDrawn as drawn}.
     *
     * @param loraBase the folder that relative LoRA paths in the plan are relative to (the plan file's folder)
     */
    static RegionalRenderer.Result render(StableDiffusionModel model, ScenePlan requested, RenderOptions options,
                                          Path loraBase, SceneOutputs.Targets outputs, PrintWriter out, PrintWriter err)
            throws IOException {
        ScenePlan plan = SceneOutputs.asDrawn(requested, model, loraBase);
        RegionalRenderer.Settings settings = options.settings(model);
        RegionalRenderer.Result result;
        try (LoraSessions loras = options.loraSessions(model)) {
            ProgressBar bar = new ProgressBar(err, options.quiet(), plan.regions().size() + " subjects");
            result = new RegionalRenderer(model, loras, loraBase).render(plan, settings, bar);
            bar.finish();
            if (options.verbose()) {
                for (LoraReport report : model.loraReports()) {
                    err.println(describe("global", report));
                }
                for (LoraSessions.Variant v : loras.resident()) {
                    for (LoraReport report : v.reports()) {
                        err.println(describe(v.loras().describe(), report));
                    }
                }
                err.println(loras.describe());
                err.println("memory: estimated " + SceneMemory.estimate(model.directory(), plan,
                        SceneMemory.Settings.of(settings), options.memoryAvailable(SceneMemory.weights(
                                model.directory()))).describe() + "; peak resident " + SceneMemory.gigabytes(
                        PeakMemory.residentBytes()));
            }
        }
        SceneOutputs.write(model, plan, settings, result.image(), outputs);
        out.printf(Locale.ROOT, "wrote %s, %s and %s (%dx%d, %d subjects, %d steps %s, cfg %s, %s mode) in %.1f s%n",
                outputs.image(), outputs.plan().getFileName(), outputs.boxes().getFileName(), plan.width(),
                plan.height(), plan.regions().size(), settings.steps(), settings.sampler().cliName(),
                settings.guidance(), settings.mode().name().toLowerCase(Locale.ROOT), result.nanos() / 1e9);
        return result;
    }

    private static String describe(String set, LoraReport report) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "LoRA %s [%s]: %d modules merged, %d keys "
                + "unmatched", report.file(), set, report.matchedModules(), report.unmatchedKeys().size()));
        report.unmatchedKeys().stream().limit(5).forEach(k -> line.append("\n  unmatched: ").append(k));
        return line.toString();
    }
}
