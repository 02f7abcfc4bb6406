package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdxlFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path plan(String model, String regions) throws Exception {
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "request": "one person", "width": 32, "height": 24,
                 "background": "a person in a red shirt", "negativePrompt": "blue hat", "seed": 42,
                 "model": "%s", "profile": "sd15", "layout": "manual", "regions": %s}
                """.formatted(model, regions));
        return plan;
    }

    /** Text chunks as ImageIO reads them (iTXt and tEXt). */
    private static Map<String, String> texts(Path png) throws Exception {
        Map<String, String> texts = new HashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(png.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            for (String kind : new String[] {"iTXtEntry", "tEXtEntry"}) {
                var nodes = root.getElementsByTagName(kind);
                for (int i = 0; i < nodes.getLength(); i++) {
                    IIOMetadataNode n = (IIOMetadataNode) nodes.item(i);
                    texts.put(n.getAttribute("keyword"), kind.startsWith("i") ? n.getAttribute("text") : n.getAttribute("value"));
                }
            }
        }
        return texts;
    }

    @Test
    void rendersAPlanWithTheModelItNamesAndEmbedsPlanAndParameters() throws Exception {
        SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path plan = plan("sd", "[]"); // relative to the plan file
        Path out = dir.resolve("out/image.png");
        CliRun r = run("render", plan.toString(), "-o", out.toString(), "--steps", "3", "--sampler", "euler_a");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote").contains("32x24");
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(32);
        Map<String, String> texts = texts(out);
        assertThat(texts.get("troupe-plan")).contains("\"background\" : \"a person in a red shirt\"");
        assertThat(texts.get("parameters")).startsWith("a person in a red shirt\nNegative prompt: blue hat\n")
                .contains("Steps: 3, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 32x24, Model hash: ");

        Path again = dir.resolve("again.png");
        assertThat(run("render", plan.toString(), "-o", again.toString(), "--steps", "3", "--sampler", "euler_a").exit()).isZero();
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(out)); // same plan, model, seed: same file
    }

    @Test
    void aPlanWithRegionsIsDrawnWithItsPlanAndBoxesOverlayBeside() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path plan = plan("embedded", """
                [{"id": "s1", "box": {"x": 0, "y": 0, "w": 16, "h": 24}, "prompt": "red shirt", "negativePrompt": "",
                  "seed": 1, "weight": 1.0, "attributes": {"top": "red"}, "loras": []}]""");
        Path out = dir.resolve("o.png");
        CliRun r = run("render", plan.toString(), "-o", out.toString(), "--model", model.toString(),
                "--steps", "2", "--cfg", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 subjects");
        assertThat(dir.resolve("o.plan.json")).exists();
        assertThat(ImageIO.read(dir.resolve("o.boxes.png").toFile()).getWidth()).isEqualTo(32);
        assertThat(texts(out).get("parameters")).startsWith("a person in a red shirt BREAK red shirt\n")
                .contains("Troupe mode: joint");
    }

    @Test
    void badInputGetsOneMessageAndNoOutputFile() throws Exception {
        Path out = dir.resolve("never.png");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"version\": 1, \"width\": ");
        CliRun r = run("render", broken.toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("troupe: ").contains("broken.json").doesNotContain("\tat ");
        assertThat(r.err().strip().lines()).hasSize(1);

        Path plan = plan("sd", "[]");
        Path missing = dir.resolve("missing-model");
        Files.createDirectories(missing);
        CliRun m = run("render", plan.toString(), "-o", out.toString(), "--model", missing.toString());
        assertThat(m.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(m.err()).contains("missing text_encoder/model.onnx").contains("Expected layout").doesNotContain("\tat ");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("never.png")
                    .noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void anOutputSetIsWrittenAsOneUnitAFailedWriteLeavesThePreviousSetOrNothing() throws Exception {
        Path plan = plan("sd", "[]");
        SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path out = dir.resolve("set/out.png");
        assertThat(run("render", plan.toString(), "-o", out.toString(), "--steps", "2", "-q").exit()).isZero();
        byte[] image = Files.readAllBytes(out);
        byte[] planFile = Files.readAllBytes(dir.resolve("set/out.plan.json"));

        // the overlay cannot be written (a folder is in its way): the image and plan of the first render stay
        Files.delete(dir.resolve("set/out.boxes.png"));
        Files.createDirectories(dir.resolve("set/out.boxes.png/in-the-way"));
        CliRun failed = run("render", plan.toString(), "-o", out.toString(), "--steps", "2", "-q", "--seed", "9");
        assertThat(failed.exit()).as(failed.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(failed.err()).contains("cannot write").contains("out.boxes.png").doesNotContain("Exception");
        assertThat(Files.readAllBytes(out)).isEqualTo(image);
        assertThat(Files.readAllBytes(dir.resolve("set/out.plan.json"))).isEqualTo(planFile);

        // a new set that cannot be completed leaves nothing
        Files.createDirectories(dir.resolve("set/new.plan.json/in-the-way"));
        CliRun none = run("render", plan.toString(), "-o", dir.resolve("set/new.png").toString(), "--steps", "2", "-q");
        assertThat(none.exit()).as(none.err()).isEqualTo(ExitCodes.BAD_INPUT);
        try (Stream<Path> files = Files.list(dir.resolve("set"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("out.png", "out.plan.json", "out.boxes.png", "new.plan.json");
        }
    }

    @Test
    void schedulerConfigDifferencesAreSaidOnceAndTheKarrasVariantIsNamed() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path plan = plan("sd", "[]");
        // the fixture's config is SD 1.5's PNDMScheduler, which troupe does not implement
        CliRun pndm = run("render", plan.toString(), "-o", dir.resolve("p.png").toString(), "--steps", "2", "-q");
        assertThat(pndm.exit()).as(pndm.err()).isZero();
        assertThat(pndm.err()).contains("troupe: note: ").contains("PNDMScheduler is not implemented; sampling with DDIM");
        assertThat(texts(dir.resolve("p.png")).get("parameters")).contains("Sampler: DDIM");

        Files.writeString(model.resolve("scheduler/scheduler_config.json"), """
                {"_class_name": "EulerDiscreteScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085,
                 "beta_end": 0.012, "beta_schedule": "scaled_linear", "steps_offset": 1,
                 "use_karras_sigmas": true, "thresholding": true}""");
        CliRun first = run("render", plan.toString(), "-o", dir.resolve("k.png").toString(), "--steps", "3", "-q");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err().strip().lines()).singleElement().asString().startsWith("troupe: note: ")
                .contains("scheduler_config.json").contains("thresholding");
        assertThat(texts(dir.resolve("k.png")).get("parameters")).contains("Sampler: Euler Karras");
        assertThat(first.out()).contains("3 steps euler_karras");
        CliRun second = run("render", plan.toString(), "-o", dir.resolve("k2.png").toString(), "--steps", "3", "-q");
        assertThat(second.err()).as("said once per process").doesNotContain("thresholding");
        assertThat(Files.readAllBytes(dir.resolve("k2.png"))).isEqualTo(Files.readAllBytes(dir.resolve("k.png")));
    }

    /**
     * A real {@code troupe} process with a model whose UNet lost its external weights: stderr (the process's own,
     * where ONNX Runtime's native log would go too) holds troupe's one line; with {@code -v} ONNX Runtime may speak.
     */
    @Test
    void aBadModelFileIsOneLineOnTheProcessStderr() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard().withExternalUnet());
        Files.delete(model.resolve("unet/weights.pb"));
        Path plan = plan("sd", "[]");
        Process quiet = troupe("render", plan.toString(), "-o", dir.resolve("q.png").toString(), "-q");
        String err = new String(quiet.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(quiet.waitFor()).as(err).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.strip().lines()).as(err).singleElement().asString().startsWith("troupe: ")
                .contains("weights.pb");
        Process verbose = troupe("render", plan.toString(), "-o", dir.resolve("v.png").toString(), "-q", "-v");
        String log = new String(verbose.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(verbose.waitFor()).as(log).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(log).contains("onnxruntime").contains("troupe: ");
    }

    private static Process troupe(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.troupe.cli.Main"));
        command.addAll(java.util.List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(CliRun.HERMETIC);
        return builder.start();
    }

    @Test
    void modelsInfoPrintsComponentsDtypesShapesAndScheduler() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard().withInt64Ids().withExternalUnet());
        CliRun r = run("models", "info", model.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("input  input_ids int64 [batch, 77]")
                .contains("output last_hidden_state float [batch, 77, 8]")
                .contains("input  timestep int64 [1]")
                .contains("unet/weights.pb")
                .contains("latent channels 4, scaling factor 0.18215, pixels per latent pixel 8 (measured")
                .contains("PNDMScheduler: T=1000, scaled_linear")
                .contains("hash:      sha256:");
    }

    @Test
    void runDrawsAPlannedSceneWithATurboStyleSdxlModelAndItsDefaults() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("sdxl-turbo"), SdxlFixture.Variant.turboStyle());
        Path out = dir.resolve("turbo.png");
        CliRun r = run("run", "three friends in a park", "--model", model.toString(), "--profile", "sd15",
                "--size", "192x64", "--seed", "5", "-o", out.toString(), "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("3 subjects").contains("4 steps euler_a, cfg 0.0");
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(192);
        assertThat(texts(out).get("parameters")).contains("Steps: 4, Sampler: Euler a, CFG scale: 0, ");
    }

    @Test
    void modelsInfoDescribesAnSdxlModel() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("sdxl"), SdxlFixture.Variant.turboStyle());
        CliRun r = run("models", "info", model.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("kind:      SDXL (two text encoders, states 4 + 6 = 10 wide, pooled text_embeds 5")
                .contains("defaults:  4 steps, cfg 0.0 (from a few-step")
                .contains("text_encoder_2:")
                .contains("output text_embeds float [batch_size, 5]")
                .contains("states from hidden_states.2")
                .contains("states from hidden_states.3; pooled text_embeds 5")
                .contains("input  time_ids float [unet_time_ids_batch, 6]")
                .contains("an empty negative prompt is zeros")
                .contains("scaling factor 0.13025")
                .contains("EulerAncestralDiscreteScheduler: T=1000, scaled_linear betas 8.5E-4..0.012, prediction "
                        + "epsilon, spacing trailing");
    }

    @Test
    void fullBackgroundRunsTheBackgroundUnderTheBoxesAsBeforeAndSaysSo() throws Exception {
        // the fixture's native size is 8 latent pixels (64 px): on a 256x64 canvas the background runs in 5 tiles;
        // two boxes cover x 64..192 (latent 8..24) with weight 1, so by default the tiles there are left out
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path plan = dir.resolve("wide.json");
        Files.writeString(plan, """
                {"version": 1, "request": "two people", "width": 256, "height": 64,
                 "background": "a park", "negativePrompt": "", "seed": 42,
                 "model": "embedded", "profile": "sd15", "layout": "manual", "regions": [
                 {"id": "s1", "box": {"x": 64, "y": 0, "w": 64, "h": 64}, "prompt": "red shirt", "negativePrompt": "",
                  "seed": 1, "weight": 1.0, "attributes": {}, "loras": []},
                 {"id": "s2", "box": {"x": 128, "y": 0, "w": 64, "h": 64}, "prompt": "blue hat", "negativePrompt": "",
                  "seed": 2, "weight": 1.0, "attributes": {}, "loras": []}]}""");
        String[] common = {"--model", model.toString(), "--steps", "3", "--sampler", "ddim", "-q"};
        Path trimmed = dir.resolve("trimmed.png"), full = dir.resolve("full.png");
        assertThat(run(concat(new String[] {"render", plan.toString(), "-o", trimmed.toString()}, common)).exit())
                .isZero();
        assertThat(run(concat(new String[] {"render", plan.toString(), "-o", full.toString(), "--full-background"},
                common)).exit()).isZero();
        assertThat(texts(full).get("parameters")).contains("Background: full");
        assertThat(texts(trimmed).get("parameters")).doesNotContain("Background: full");
        // the background counted 0.05 / 1.05 under the boxes: leaving it out changes the pixels there, a little
        var a = ImageIO.read(trimmed.toFile());
        var b = ImageIO.read(full.toFile());
        long changed = 0, total = 0;
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 256; x++) {
                changed += a.getRGB(x, y) != b.getRGB(x, y) ? 1 : 0;
                total++;
            }
        }
        assertThat(changed).isPositive().isLessThan(total);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void benchReportsTimesOverheadAndMemory() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        CliRun r = run("bench", "--model", model.toString(), "--steps", "2", "--size", "16x16", "--runs", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("16x16, 2 steps, ddim").contains("run 2: total")
                .containsPattern("mean: total [0-9.]+ s, in session runs [0-9.]+ s, per step [0-9.]+ ms, loop overhead [0-9.]+ %")
                .contains("peak memory: process RSS");
        CliRun bad = run("bench", "--model", model.toString(), "--size", "big");
        assertThat(bad.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(bad.err()).contains("--size must look like 512x512");
    }
}
