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
import dev.troupe.verify.SubjectVerifier;
import dev.troupe.verify.VerifiedRenderer;

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
        VerifiedRenderer.Outcome verified = null;
        try (LoraSessions loras = options.loraSessions(model);
             SubjectVerifier verifier = options.verify().verifier(model.directory().root(),
                     options.model().sessions())) {
            ProgressBar bar = new ProgressBar(err, options.quiet(), plan.regions().size() + " subjects");
            RegionalRenderer renderer = new RegionalRenderer(model, loras, loraBase);
            if (verifier == null) {
                result = renderer.render(plan, settings, bar);
            } else {
                verified = options.verify().renderer(renderer, verifier).render(plan, settings, bar);
                result = verified.result();
                plan = verified.plan();
            }
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
                settings.guidance(), settings.mode().name().toLowerCase(Locale.ROOT),
                (verified == null ? result.nanos() : verified.nanos()) / 1e9);
        if (verified != null) {
            out.println(describe(verified));
        }
        return result;
    }

    /**
     * "verified 5/5 subjects with palette; 1 redraw round (s2), kept round 2, UNet work 2.00x the first drawing",
     * then a line per subject that stayed wrong.
     */
    static String describe(VerifiedRenderer.Outcome v) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "verified %d/%d subjects with %s",
                v.verified(), v.plan().regions().size(), v.plan().regions().isEmpty() ? "-"
                        : v.plan().regions().get(0).verification().verifier()));
        int redraws = v.rounds().size() - 1;
        if (redraws > 0) {
            line.append(String.format(Locale.ROOT, "; %d redraw round%s (%s), kept round %d, UNet work %.2fx the first "
                            + "drawing", redraws, redraws == 1 ? "" : "s", v.rounds().stream().skip(1)
                            .map(r -> String.join(" ", r.redrawn())).collect(java.util.stream.Collectors.joining(", ")),
                    v.kept(), v.unetWork() / (double) v.rounds().get(0).unetWork()));
        }
        for (dev.troupe.scene.Region r : v.wrong()) {
            line.append(String.format(Locale.ROOT, "%n  %s stayed wrong: planned %s, read %s", r.id(),
                    r.attributes(), r.verification().read()));
        }
        return line.toString();
    }

    private static String describe(String set, LoraReport report) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "LoRA %s [%s]: %d modules merged, %d keys "
                + "unmatched", report.file(), set, report.matchedModules(), report.unmatchedKeys().size()));
        report.unmatchedKeys().stream().limit(5).forEach(k -> line.append("\n  unmatched: ").append(k));
        return line.toString();
    }
}
