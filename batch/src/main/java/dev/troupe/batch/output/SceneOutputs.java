package dev.troupe.batch.output;

import dev.troupe.batch.command.ModelOptions;
import dev.troupe.composer.Images;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.overlay.BoxesOverlay;
import dev.troupe.composer.png.GenerationParameters;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.scene.AtomicFiles;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import dev.troupe.scene.Verification;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a drawn plan becomes for the user, whoever drew it ({@code troupe render} and {@code run}, the studio, a batch
 * job, a Spark task): {@code out.png} (plan and parameters in its metadata), {@code out.plan.json} and
 * {@code out.boxes.png} (each box outlined and labelled), written as one set, and the plan they carry is the plan as
 * drawn ({@link #asDrawn}), so that any image re-renders from itself.
 */
public final class SceneOutputs {
    private SceneOutputs() {
    }

    /** Where the three files for {@code out.png} go. */
    public record Targets(Path image, Path plan, Path boxes) {
        public static Targets of(Path image) {
            String name = image.getFileName().toString();
            if (!name.toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new UserInputException("output " + image + " must end in .png (e.g. -o scene.png)");
            }
            String stem = name.substring(0, name.length() - 4);
            if (stem.isEmpty() || stem.startsWith(".")) {
                throw new UserInputException("output " + image + " would write hidden files (" + stem + ".png, " + stem
                        + ".plan.json, ...): give the image a name, e.g. -o scene.png");
            }
            return new Targets(image, image.resolveSibling(stem + ".plan.json"), image.resolveSibling(stem + ".boxes.png"));
        }
    }

    /** The three files' contents: the plan JSON, the boxes overlay and the image (both PNGs carry plan and parameters). */
    public record Encoded(byte[] plan, byte[] boxes, byte[] image) {
    }

    /**
     * The plan as it is drawn with {@code model}: its {@code model} names the folder actually loaded ("embedded" for
     * the embedded model), its {@code loras} the LoRAs merged into that model, and every LoRA path is absolute. This
     * is the plan written beside the image and into it, so that rendering it again, without options, gives the same
     * pixels whatever {@code --model} or {@code --lora} made them. A verification record the plan carried is dropped:
     * only a verified render (the verify module) writes one, for the drawing it read.
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
        return plan.withModel(reference, global).withRegions(regions).withoutVerification();
    }

    /**
     * Writes the plan, the boxes overlay and the image (plan and parameters in its metadata) as one set: all three
     * to temporaries, then renamed in that order, so a failure leaves the previous set or nothing, and the image,
     * which carries its own plan, lands last.
     */
    public static void write(StableDiffusionModel model, ScenePlan plan, RegionalRenderer.Settings settings,
                             RgbImage image, Targets targets) throws IOException {
        Encoded files = encode(image, plan, PlanJson.write(plan), parameters(model, plan, settings));
        Map<Path, byte[]> set = new LinkedHashMap<>();
        set.put(targets.plan(), files.plan());
        set.put(targets.boxes(), files.boxes());
        set.put(targets.image(), files.image());
        AtomicFiles.writeAll(set);
    }

    /**
     * The three files of a drawn plan, to be written as one set (see {@link #write}; a batch job adds its sidecar).
     *
     * @param planJson   the plan as {@link PlanJson#write} gives it
     * @param parameters the plan's {@link #parameters}
     */
    public static Encoded encode(RgbImage image, ScenePlan plan, String planJson, String parameters) throws IOException {
        java.awt.image.BufferedImage pixels = Images.toBuffered(image); // the overlay draws on a copy of it
        byte[] boxes = PngWriter.encode(BoxesOverlay.draw(pixels, plan), planJson, parameters);
        return new Encoded(planJson.getBytes(StandardCharsets.UTF_8), boxes,
                PngWriter.encode(pixels, planJson, parameters));
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
                + (s.trimBackground() ? "" : ", Background: full")
                + (model.loras().isEmpty() ? "" : ", Troupe LoRAs: " + model.loras().describe())
                + verification(plan);
    }

    /** ", Troupe verify: palette, 4/5 verified, 2 redrawn" for a verified plan; empty for any other. */
    private static String verification(ScenePlan plan) {
        List<Verification> records = plan.regions().stream().map(Region::verification)
                .filter(java.util.Objects::nonNull).toList();
        if (records.isEmpty()) {
            return "";
        }
        return String.format(Locale.ROOT, ", Troupe verify: %s, %d/%d verified, %d redrawn", records.get(0).verifier(),
                records.stream().filter(Verification::verified).count(), plan.regions().size(),
                records.stream().filter(v -> v.tries() > 1).count());
    }
}
