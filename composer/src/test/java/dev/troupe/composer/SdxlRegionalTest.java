package dev.troupe.composer;

import dev.troupe.composer.predict.EncodedPrompts;
import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.WindowGroup;
import dev.troupe.composer.window.WindowPlan;
import dev.troupe.renderer.Conditioning;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.PromptEncoder;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.fixtures.SdxlFixture;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.SafetensorsWriter;
import dev.troupe.renderer.model.ModelDefaults;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Regional rendering of an SDXL-format model ({@link SdxlFixture}): each window conditioned as its crop. */
class SdxlRegionalTest {
    @TempDir
    static Path dir;
    private static StableDiffusionModel model;

    @BeforeAll
    static void load() throws Exception {
        model = StableDiffusionModel.load(SdxlFixture.write(dir.resolve("sdxl"), SdxlFixture.Variant.base()),
                new SessionFactory(ExecutionProvider.CPU, 1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static ScenePlan plan(List<Region> regions) {
        return new ScenePlan(1, null, 192, 64, "a red shirt", "blue", 42, "sdxl", "sd15", "row", regions);
    }

    private static List<Region> row() {
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            regions.add(new Region("s" + (i + 1), new Box(16 + 56 * i, 0, 48, 64), i % 2 == 0 ? "red shirt" : "blue",
                    "two", 100 + i, 1.0, Map.of(), List.of()));
        }
        return regions;
    }

    private static RegionalRenderer.Settings settings(RegionalRenderer.Mode mode, double cfg) {
        return new RegionalRenderer.Settings(3, cfg, Sampler.EULER, mode, -1, 0.2, 0.5,
                RegionalRenderer.Blend.LAPLACIAN, 0);
    }

    @Test
    void drawsAScenePlanInJointAndCompositeMode() {
        RegionalRenderer renderer = new RegionalRenderer(model);
        for (RegionalRenderer.Mode mode : RegionalRenderer.Mode.values()) {
            RgbImage image = renderer.render(plan(row()), settings(mode, 5.0), (p, s, n) -> { }).image();
            assertThat(image.width()).isEqualTo(192);
            assertThat(image.height()).isEqualTo(64);
            assertThat(renderer.render(plan(row()), settings(mode, 5.0), (p, s, n) -> { }).image().rgb())
                    .as("same plan, same pixels").isEqualTo(image.rgb());
            assertThat(renderer.render(plan(List.of()), settings(mode, 5.0), (p, s, n) -> { }).image().rgb())
                    .as("the regions change the picture").isNotEqualTo(image.rgb());
        }
    }

    @Test
    void withoutGuidanceTheUNetSeesHalfTheSamples() {
        RegionalRenderer renderer = new RegionalRenderer(model);
        RegionalRenderer.Result guided = renderer.render(plan(row()), settings(RegionalRenderer.Mode.JOINT, 5.0),
                (p, s, n) -> { });
        RegionalRenderer.Result unguided = renderer.render(plan(row()), settings(RegionalRenderer.Mode.JOINT, 1.0),
                (p, s, n) -> { });
        assertThat(unguided.unetWork() * 2).isEqualTo(guided.unetWork());
    }

    @Test
    void eachWindowIsConditionedAsTheCropOfTheCanvasItIs() {
        ScenePlan plan = plan(row());
        LatentCanvas canvas = LatentCanvas.of(model, plan.width(), plan.height());
        assertThat(canvas.width()).isEqualTo(24); // 192 / 8
        assertThat(canvas.height()).isEqualTo(8);
        WindowPlan windows = WindowPlan.of(plan, canvas, -1, model.unet(),
                Collections.nCopies(plan.regions().size(), model.unet()), true, 0.05);
        Guidance guidance = new Guidance(5.0);
        EncodedPrompts prompts = EncodedPrompts.encode(plan, model.promptEncoder(),
                Collections.nCopies(plan.regions().size(), null), guidance);
        List<float[]> seen = new ArrayList<>();
        for (WindowGroup group : windows.groups()) {
            List<PromptWindow> ws = group.windows();
            Conditioning context = prompts.context(ws, canvas);
            assertThat(context.samples()).isEqualTo(2 * ws.size());
            for (int j = 0; j < ws.size(); j++) {
                var w = ws.get(j).window();
                // (original h, original w, top, left, target h, target w) in image pixels: 8 per latent pixel
                float[] expected = {64, 192, 8 * w.y(), 8 * w.x(), 8 * w.height(), 8 * w.width()};
                for (int copy : new int[] {j, ws.size() + j}) { // the negative prompt's sample and the positive's
                    assertThat(Arrays.copyOfRange(context.timeIds(), copy * 6, copy * 6 + 6)).containsExactly(expected);
                }
                seen.add(expected);
                if (!ws.get(j).background()) {
                    int[] box = canvas.box(plan.regions().get(ws.get(j).region()).box());
                    assertThat(8 * w.x()).isLessThanOrEqualTo(8 * box[0]); // the crop holds the box
                    assertThat(8 * (w.x() + w.width())).isGreaterThanOrEqualTo(8 * (box[0] + box[2]));
                }
            }
        }
        // the middle region worked by hand: box x 72..120 px = latent 9..15, margin half the shorter side (6 -> 3),
        // so latent 6..18, 12 wide, rounded up to the UNet's multiple 8 -> 16 and centred: latent 4..20 = px 32..160;
        // the canvas's full height (8 latent px) -> top 0, 64 px
        assertThat(seen).anySatisfy(ids -> assertThat(ids).containsExactly(64, 192, 0, 32, 64, 128));
        // the background is one tile per native-size square: here the 8x8-latent native size tiles 24x8
        assertThat(seen.stream().filter(ids -> ids[2] != 0 || ids[3] != 0 || ids[4] != 64 || ids[5] != 192))
                .isNotEmpty();
    }

    @Test
    void aTurboStyleModelDrawsWithItsOwnDefaultsOneUNetSamplePerWindow() throws Exception {
        try (StableDiffusionModel turbo = StableDiffusionModel.load(SdxlFixture.write(dir.resolve("turbo"),
                SdxlFixture.Variant.turboStyle()), new SessionFactory(ExecutionProvider.CPU, 1))) {
            ModelDefaults defaults = ModelDefaults.of(turbo.directory());
            Sampler sampler = Sampler.forConfig(turbo.schedulerConfig());
            assertThat(sampler).isEqualTo(Sampler.EULER_ANCESTRAL);
            RegionalRenderer renderer = new RegionalRenderer(turbo);
            RegionalRenderer.Settings s = new RegionalRenderer.Settings(defaults.steps(), defaults.guidance(), sampler,
                    RegionalRenderer.Mode.JOINT, -1, 0.2, 0.5, RegionalRenderer.Blend.LAPLACIAN, 0);
            RegionalRenderer.Result scene = renderer.render(plan(row()), s, (p, st, n) -> { });
            RegionalRenderer.Result single = renderer.render(plan(List.of()), s, (p, st, n) -> { });
            assertThat(scene.image().width()).isEqualTo(192);
            assertThat(scene.image().rgb()).isNotEqualTo(single.image().rgb());
            // guidance 0: every window is one UNet sample per step (a guided render doubles it)
            RegionalRenderer.Result guided = renderer.render(plan(row()), new RegionalRenderer.Settings(
                    defaults.steps(), 2.0, sampler, RegionalRenderer.Mode.JOINT, -1, 0.2, 0.5,
                    RegionalRenderer.Blend.LAPLACIAN, 0), (p, st, n) -> { });
            assertThat(guided.unetWork()).isEqualTo(2 * scene.unetWork());
        }
    }

    @Test
    void aRegionsUNetLoraWorksOnTheSdxlUNetInBothModes() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] down = new float[2 * 4 * 9];
        float[] up = new float[4 * 2];
        for (float[] v : List.of(down, up)) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextDouble() * 2 - 1);
            }
        }
        new dev.troupe.renderer.lora.SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, down)
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, up)
                .write(dir.resolve("xl-unet.safetensors"));
        List<Region> plain = row();
        List<Region> withLora = new ArrayList<>(plain);
        Region first = plain.get(0);
        withLora.set(0, new Region(first.id(), first.box(), first.prompt(), first.negativePrompt(), first.seed(),
                first.weight(), first.attributes(), List.of(new dev.troupe.scene.LoraRef("xl-unet.safetensors",
                1.0))));
        RegionalRenderer renderer = new RegionalRenderer(model, null, dir);
        for (RegionalRenderer.Mode mode : RegionalRenderer.Mode.values()) {
            RgbImage without = renderer.render(plan(plain), settings(mode, 5.0), (p, s, n) -> { }).image();
            RgbImage with = renderer.render(plan(withLora), settings(mode, 5.0), (p, s, n) -> { }).image();
            assertThat(with.rgbAt(40, 32)).as(mode + ": inside the LoRA region").isNotEqualTo(without.rgbAt(40, 32));
            assertThat(with.rgbAt(190, 32)).as(mode + ": far from it").isEqualTo(without.rgbAt(190, 32));
        }
    }
    @Test
    void aRegionsSecondEncoderLoraConditionsItsOwnWindowOnly() throws Exception {
        // regions 1 and 3 share the prompt "red shirt"; only region 1 has a LoRA on the second text encoder
        String stem = "lora_te2_" + SdxlFixture.SECOND_FC2.replace('.', '_');
        int d2 = SdxlFixture.HIDDEN_2;
        float[] down = new float[2 * d2], up = new float[d2 * 2];
        for (int i = 0; i < down.length; i++) {
            down[i] = (i % 5 - 2) * 0.25f;
            up[i] = (i % 3 - 1) * 0.5f;
        }
        LoraSet set = LoraSet.of(new SafetensorsWriter()
                .f32(stem + ".lora_down.weight", new long[] {2, d2}, down)
                .f32(stem + ".lora_up.weight", new long[] {d2, 2}, up)
                .write(dir.resolve("te2.safetensors")), 1.0);
        ScenePlan plan = plan(row());
        LatentCanvas canvas = LatentCanvas.of(model, plan.width(), plan.height());
        Guidance guidance = new Guidance(5.0);
        WindowPlan windows = WindowPlan.of(plan, canvas, -1, model.unet(),
                Collections.nCopies(plan.regions().size(), model.unet()), true, 0.05);
        try (LoraSessions sessions = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES);
             LoraSessions.Lease lease = sessions.lease(List.of(set))) {
            PromptEncoder own = lease.get(set).prompts();
            EncodedPrompts prompts = EncodedPrompts.encode(plan, model.promptEncoder(),
                    Arrays.asList(own, null, null), guidance);
            float[] withLora = own.encode(List.of("red shirt")).states();
            float[] plain = model.promptEncoder().encode(List.of("red shirt")).states();
            assertThat(withLora).isNotEqualTo(plain);
            int regionsSeen = 0;
            for (WindowGroup group : windows.groups()) {
                List<PromptWindow> ws = group.windows();
                Conditioning context = prompts.context(ws, canvas);
                int size = plain.length;
                for (int j = 0; j < ws.size(); j++) {
                    int region = ws.get(j).region();
                    if (region != 0 && region != 2) {
                        continue;
                    }
                    int positive = ws.size() + j;
                    float[] states = Arrays.copyOfRange(context.states(), positive * size, (positive + 1) * size);
                    assertThat(states).as("region %d", region + 1).containsExactly(region == 0 ? withLora : plain);
                    regionsSeen++;
                }
            }
            assertThat(regionsSeen).isEqualTo(2);
        }
    }
}
