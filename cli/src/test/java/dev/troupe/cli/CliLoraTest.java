package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.lora.SafetensorsWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --lora}, {@code --region-lora} and plan LoRAs through the CLI, on a fixture model with generated LoRAs. */
class CliLoraTest {
    @TempDir
    Path dir;
    private Path model;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void fixture() throws Exception {
        model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Files.createDirectories(dir.resolve("loras"));
        new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, ramp(72))
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, ramp(8))
                .write(dir.resolve("loras/good.safetensors"));
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 0.7);
        }
        return v;
    }

    /** 64x32, two regions; region 1 carries {@code loras} (JSON). */
    private Path plan(String loras) throws Exception {
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "request": "two people", "width": 64, "height": 32,
                 "background": "a park", "negativePrompt": "blue hat", "seed": 42,
                 "model": "sd", "profile": "sd15", "layout": "manual", "regions": [
                 {"id": "s1", "box": {"x": 0, "y": 0, "w": 24, "h": 32}, "prompt": "red shirt", "negativePrompt": "",
                  "seed": 1, "weight": 1.0, "attributes": {}, "loras": %s},
                 {"id": "s2", "box": {"x": 40, "y": 0, "w": 24, "h": 32}, "prompt": "green hat", "negativePrompt": "",
                  "seed": 2, "weight": 1.0, "attributes": {}, "loras": []}]}
                """.formatted(loras));
        return plan;
    }

    private CliRun render(Path plan, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("render", plan.toString(), "-o", out.toString(),
                "--steps", "2", "-q"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void globalAndRegionLorasChangeTheImageAndVerboseReportsTheSessions() throws Exception {
        Path plan = plan("[]");
        CliRun plain = render(plan, dir.resolve("plain.png"));
        assertThat(plain.exit()).as(plain.err()).isZero();

        CliRun global = render(plan, dir.resolve("global.png"), "--lora", dir.resolve("loras/good.safetensors") + ":0.8",
                "--verbose");
        assertThat(global.exit()).as(global.err()).isZero();
        assertThat(global.err()).contains("good.safetensors [global]: 1 modules merged, 0 keys unmatched")
                .contains("LoRA sessions: budget 4096.0 MiB, 0 resident");
        assertThat(Files.readAllBytes(dir.resolve("global.png"))).isNotEqualTo(Files.readAllBytes(dir.resolve("plain.png")));

        // a plan's LoRA path is relative to the plan file
        Path withRegion = plan("[{\"file\": \"loras/good.safetensors\", \"weight\": 1.0}]");
        CliRun region = render(withRegion, dir.resolve("region.png"), "-v", "--lora-memory", "64");
        assertThat(region.exit()).as(region.err()).isZero();
        assertThat(region.err()).contains("LoRA sessions: budget 64.0 MiB, 1 resident").contains("good.safetensors:1.0");
        assertThat(Files.readAllBytes(dir.resolve("region.png"))).isNotEqualTo(Files.readAllBytes(dir.resolve("plain.png")));

        // --region-lora gives the same image as the plan's own LoRA, and records it in the written plan
        CliRun option = render(plan("[]"), dir.resolve("option.png"), "--region-lora",
                "1=" + dir.resolve("loras/good.safetensors") + ":1");
        assertThat(option.exit()).as(option.err()).isZero();
        assertThat(Files.readString(dir.resolve("option.plan.json"))).contains("good.safetensors");
        assertThat(Files.readAllBytes(dir.resolve("option.png"))).isNotEmpty();
        assertThat(pixels(dir.resolve("option.png"))).isEqualTo(pixels(dir.resolve("region.png")));
    }

    @Test
    void theSavedPlanNamesTheModelAndLorasUsedAndDrawsTheSamePixelsAgain() throws Exception {
        // a plan that names the embedded model, in a folder of its own, with a region LoRA relative to it
        Path plans = Files.createDirectories(dir.resolve("plans"));
        Path plan = plans.resolve("p.json");
        Files.writeString(plan, Files.readString(plan("[{\"file\": \"../loras/good.safetensors\", \"weight\": 0.5}]"))
                .replace("\"model\": \"sd\"", "\"model\": \"embedded\""));
        Path out = Files.createDirectories(dir.resolve("out")).resolve("x.png");
        Path lora = dir.resolve("loras/good.safetensors");
        CliRun drawn = render(plan, out, "--model", model.toString(), "--lora", lora + ":0.8");
        assertThat(drawn.exit()).as(drawn.err()).isZero();

        var saved = dev.troupe.scene.PlanJson.read(dir.resolve("out/x.plan.json"));
        assertThat(saved.model()).isEqualTo(model.toAbsolutePath().normalize().toString());
        assertThat(saved.loras()).containsExactly(new dev.troupe.scene.LoraRef(lora.toAbsolutePath().normalize().toString(), 0.8));
        assertThat(saved.regions().get(0).loras()).containsExactly(
                new dev.troupe.scene.LoraRef(lora.toAbsolutePath().normalize().toString(), 0.5));
        assertThat(dev.troupe.composer.png.PngText.read(out).get("troupe-plan")).isEqualTo(Files.readString(dir.resolve("out/x.plan.json")));

        // drawn again from the saved plan alone, and from the plan inside the PNG, elsewhere: the same pixels
        Path again = dir.resolve("again.png");
        CliRun redraw = render(dir.resolve("out/x.plan.json"), again);
        assertThat(redraw.exit()).as(redraw.err()).isZero();
        assertThat(pixels(again)).isEqualTo(pixels(out));
        Path fromPng = Files.createDirectories(dir.resolve("elsewhere")).resolve("from-png.json");
        Files.writeString(fromPng, dev.troupe.composer.png.PngText.read(out).get("troupe-plan"));
        Path third = dir.resolve("elsewhere/third.png");
        assertThat(render(fromPng, third).exit()).isZero();
        assertThat(pixels(third)).isEqualTo(pixels(out));
        // and the options did matter: the plan as first written draws something else
        Path plain = dir.resolve("plain.png");
        assertThat(render(plan, plain, "--model", model.toString()).exit()).isZero();
        assertThat(pixels(plain)).isNotEqualTo(pixels(out));
    }

    private static int[] pixels(Path png) throws Exception {
        var image = javax.imageio.ImageIO.read(png.toFile());
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static byte[] header(long length, String json) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(text).array();
    }

    /** loras/NAME.safetensors as --lora, in the plan, and in the plan in composite mode: exit 2, one line naming it. */
    private void assertRefusedGloballyInAPlanAndInCompositeMode(String name, Path out, double weight) throws Exception {
        String file = "loras/" + name + ".safetensors";
        Path png = out.resolve(name + ".png");
        String inPlan = "[{\"file\": \"" + file + "\", \"weight\": " + weight + "}]";
        for (CliRun r : List.of(render(plan("[]"), png, "--lora", dir.resolve(file) + ":" + weight),
                render(plan(inPlan), png), render(plan(inPlan), png, "--mode", "composite"))) {
            assertThat(r.exit()).as(name + ": " + r.err()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(r.err()).startsWith("troupe: ").contains(name + ".safetensors").doesNotContain("\tat ");
            // one error line (a note about the fixture's PNDM scheduler config may come before it)
            assertThat(r.err().strip().lines().filter(l -> !l.startsWith("troupe: note: "))).hasSize(1);
        }
    }

    @Test
    void aHostileLoraGivesExitTwoOneMessageAndNoOutputFile() throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.write(dir.resolve("loras/huge-header.safetensors"), header(Long.MIN_VALUE, "{}"));
        Files.write(dir.resolve("loras/truncated.safetensors"), new byte[] {1, 0, 0});
        Files.write(dir.resolve("loras/not-json.safetensors"), header(9, "not json!"));
        new SafetensorsWriter()
                .f32("lora_unet_no_such_module.lora_down.weight", new long[] {1, 4}, ramp(4))
                .f32("lora_unet_no_such_module.lora_up.weight", new long[] {4, 1}, ramp(4))
                .write(dir.resolve("loras/other-model.safetensors"));
        for (String name : List.of("huge-header", "truncated", "not-json", "other-model", "missing")) {
            assertRefusedGloballyInAPlanAndInCompositeMode(name, out, 0.5);
        }
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).isEmpty(); // no image, plan, overlay or temporary file
        }
    }

    @Test
    void nonFiniteValuesAreAnErrorNamingTheFileNeverABlackImage() throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        float[] withNaN = ramp(72);
        withNaN[5] = Float.NaN;
        new SafetensorsWriter()
                .f16("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, withNaN)
                .f16("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, ramp(8))
                .write(dir.resolve("loras/nan.safetensors"));
        new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, ramp(72))
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, ramp(8))
                .f32("lora_unet_conv_in.alpha", new long[] {}, new float[] {Float.POSITIVE_INFINITY})
                .write(dir.resolve("loras/infinite-alpha.safetensors"));
        float[] huge = ramp(72);
        for (int i = 0; i < huge.length; i++) {
            huge[i] *= 1e20f; // each finite; their products are not
        }
        new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, huge)
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, new float[] {1e20f, 1e20f, 1e20f,
                        1e20f, 1e20f, 1e20f, 1e20f, 1e20f})
                .write(dir.resolve("loras/overflowing.safetensors"));
        for (int i = 0; i < huge.length; i++) {
            huge[i] *= 1e-3f; // 1e17: products of 1e34 fit a float weight, but not what the UNet makes of them
        }
        new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, huge)
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, new float[] {1e17f, 1e17f, 1e17f,
                        1e17f, 1e17f, 1e17f, 1e17f, 1e17f})
                .write(dir.resolve("loras/loud.safetensors"));
        for (String name : List.of("nan", "infinite-alpha", "overflowing", "loud")) {
            assertRefusedGloballyInAPlanAndInCompositeMode(name, out, 1);
        }
        assertThat(render(plan("[]"), out.resolve("nan.png"), "--lora", dir.resolve("loras/nan.safetensors").toString())
                .err()).contains("NaN").contains("lora_unet_conv_in.lora_down.weight");
        assertThat(render(plan("[]"), out.resolve("loud.png"), "--lora", dir.resolve("loras/loud.safetensors").toString())
                .err()).contains("latents hold NaN or infinite values").contains("LoRA files in this render");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).isEmpty(); // no black image, no plan, no temporary
        }
    }

    @Test
    void badLoraOptionsGetOneMessage() throws Exception {
        Path png = dir.resolve("x.png");
        CliRun index = render(plan("[]"), png, "--region-lora", "3=" + dir.resolve("loras/good.safetensors"));
        assertThat(index.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(index.err()).contains("--region-lora").contains("between 1 and 2");
        CliRun weight = render(plan("[]"), png, "--lora", ":0.5");
        assertThat(weight.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(weight.err()).contains("FILE[:WEIGHT]");
        CliRun memory = render(plan("[{\"file\": \"loras/good.safetensors\", \"weight\": 1}]"), png, "--lora-memory", "-1");
        assertThat(memory.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(png).doesNotExist();
    }
}
