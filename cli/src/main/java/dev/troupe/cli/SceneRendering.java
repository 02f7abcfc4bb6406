package dev.troupe.cli;

import dev.troupe.composer.Images;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.overlay.BoxesOverlay;
import dev.troupe.composer.png.GenerationParameters;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.scene.AtomicFiles;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Draws a plan and writes what a user gets: {@code out.png} (plan and parameters in its metadata),
 * {@code out.plan.json} and {@code out.boxes.png} (each box outlined and labelled), as one set: every file is written
 * to a temporary name first and the three are then renamed, so an interrupted run leaves no half-written file and a
 * failed one no incomplete set.
 */
public final class SceneRendering {
    private SceneRendering() {
    }

    /** The three files written for {@code out.png}. */
    public record Outputs(Path image, Path plan, Path boxes) {
        public static Outputs of(Path image) {
            String name = image.getFileName().toString();
            if (!name.toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new UserInputException("output " + image + " must end in .png (e.g. -o scene.png)");
            }
            String stem = name.substring(0, name.length() - 4);
            if (stem.isEmpty() || stem.startsWith(".")) {
                throw new UserInputException("output " + image + " would write hidden files (" + stem + ".png, " + stem
                        + ".plan.json, ...): give the image a name, e.g. -o scene.png");
            }
            return new Outputs(image, image.resolveSibling(stem + ".plan.json"), image.resolveSibling(stem + ".boxes.png"));
        }
    }

    /**
     * The plan as it is drawn with {@code model}: its {@code model} names the folder actually loaded ("embedded" for
     * the embedded model), its {@code loras} the LoRAs merged into that model, and every LoRA path is absolute. This
     * is the plan written beside the image and into it, so that rendering it again, without options, gives the same
     * pixels whatever {@code --model} or {@code --lora} made them.
     *
     * @param loraBase the folder that relative LoRA paths in the plan are relative to (the plan file's folder)
     */
    public static ScenePlan asDrawn(ScenePlan plan, StableDiffusionModel model, Path loraBase) {
        Path folder = model.directory().root();
        String reference = folder.equals(ModelOptions.embedded().toAbsolutePath().normalize()) ? "embedded"
                : folder.toString();
        List<LoraRef> global = model.loras().entries().stream()
                .map(e -> new LoraRef(e.file().toString(), e.multiplier())).toList();
        List<Region> regions = plan.regions().stream().map(r -> r.withLoras(r.loras().stream()
                .map(l -> new LoraRef(loraBase.resolve(l.file()).toAbsolutePath().normalize().toString(), l.weight()))
                .toList())).toList();
        return plan.withModel(reference, global).withRegions(regions);
    }

    /**
     * Draws the plan with the model (loaded with the plan's whole-image LoRAs and {@code --lora}) and writes it
     * {@link #asDrawn}.
     *
     * @param loraBase the folder that relative LoRA paths in the plan are relative to (the plan file's folder)
     */
    static RegionalRenderer.Result render(StableDiffusionModel model, ScenePlan requested, RenderOptions options,
                                          Path loraBase, Outputs outputs, PrintWriter out, PrintWriter err)
            throws IOException {
        ScenePlan plan = asDrawn(requested, model, loraBase);
        RegionalRenderer.Settings settings = options.settings(model);
        RegionalRenderer.Result result;
        try (LoraSessions loras = options.loraSessions(model)) {
            ProgressBar bar = new ProgressBar(err, options.quiet, plan.regions().size() + " subjects");
            result = new RegionalRenderer(model, loras, loraBase).render(plan, settings, bar);
            bar.finish();
            if (options.verbose) {
                for (LoraReport report : model.loraReports()) {
                    err.println(describe("global", report));
                }
                for (LoraSessions.Variant v : loras.resident()) {
                    for (LoraReport report : v.reports()) {
                        err.println(describe(v.loras().describe(), report));
                    }
                }
                err.println(loras.describe());
            }
        }
        write(model, plan, settings, result.image(), outputs);
        out.printf(Locale.ROOT, "wrote %s, %s and %s (%dx%d, %d subjects, %d steps %s, cfg %s, %s mode) in %.1f s%n",
                outputs.image(), outputs.plan().getFileName(), outputs.boxes().getFileName(), plan.width(),
                plan.height(), plan.regions().size(), settings.steps(), settings.sampler().cliName(),
                settings.guidance(), settings.mode().name().toLowerCase(Locale.ROOT), result.nanos() / 1e9);
        return result;
    }

    /**
     * Writes the plan, the boxes overlay and the image (plan and parameters in its metadata) as one set: all three
     * to temporaries, then renamed in that order, so a failure leaves the previous set or nothing, and the image,
     * which carries its own plan, lands last.
     */
    public static void write(StableDiffusionModel model, ScenePlan plan, RegionalRenderer.Settings settings,
                             RgbImage image, Outputs outputs) throws IOException {
        String planJson = PlanJson.write(plan);
        String parameters = parameters(model, plan, settings);
        Map<Path, byte[]> set = new LinkedHashMap<>();
        set.put(outputs.plan(), planJson.getBytes(StandardCharsets.UTF_8));
        set.put(outputs.boxes(), PngWriter.encode(BoxesOverlay.draw(Images.toBuffered(image), plan), planJson, parameters));
        set.put(outputs.image(), PngWriter.encode(Images.toBuffered(image), planJson, parameters));
        AtomicFiles.writeAll(set);
    }

    private static String describe(String set, LoraReport report) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "LoRA %s [%s]: %d modules merged, %d keys "
                + "unmatched", report.file(), set, report.matchedModules(), report.unmatchedKeys().size()));
        report.unmatchedKeys().stream().limit(5).forEach(k -> line.append("\n  unmatched: ").append(k));
        return line.toString();
    }

    /** A1111's parameters text; the prompts are joined with BREAK, as Regional Prompter writes them. */
    public static String parameters(StableDiffusionModel model, ScenePlan plan, RegionalRenderer.Settings s) {
        String prompt = plan.background()
                + plan.regions().stream().map(r -> " BREAK " + r.prompt()).collect(Collectors.joining());
        String a1111 = new GenerationParameters(prompt, plan.negativePrompt(), s.steps(), s.sampler().displayName(),
                s.guidance(), plan.seed(), plan.width(), plan.height(), model.hash(), model.directory().name()).toA1111();
        return a1111 + String.format(Locale.ROOT, ", Troupe mode: %s, Region margin: %s, Background weight: %s, "
                        + "Bootstrap: %s", s.mode().name().toLowerCase(Locale.ROOT),
                s.margin() < 0 ? "auto" : Integer.toString(s.margin()), s.backgroundWeight(), s.bootstrapFraction())
                + (model.loras().isEmpty() ? "" : ", Troupe LoRAs: " + model.loras().describe());
    }
}
