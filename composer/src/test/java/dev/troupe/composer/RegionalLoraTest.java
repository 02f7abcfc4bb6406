package dev.troupe.composer;

import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.lora.SafetensorsWriter;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.Box;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-region LoRAs on a fixture model (with a text projection, so text-encoder LoRAs apply): a LoRA on region 1
 * changes region 1 and leaves pixels far from it exactly as they were without it.
 */
class RegionalLoraTest {
    @TempDir
    static Path dir;
    private static StableDiffusionModel model;

    @BeforeAll
    static void load() throws Exception {
        Path folder = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        SdFixture.addTextProjection(folder, SdFixture.Variant.standard());
        model = StableDiffusionModel.load(folder, new SessionFactory(ExecutionProvider.CPU, 1));
        new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, values(72, 1))
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, values(8, 2))
                .write(dir.resolve("unet.safetensors"));
        new SafetensorsWriter()
                .f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", new long[] {2, 8},
                        values(16, 3))
                .f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", new long[] {8, 2},
                        values(16, 4))
                .write(dir.resolve("text.safetensors"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** 256x64: region 1 at the left edge, region 2 at the right edge; region 1 carries {@code loras}. */
    private static ScenePlan plan(List<LoraRef> loras) {
        List<Region> regions = List.of(
                new Region("s1", new Box(0, 0, 32, 64), "a red shirt", "", 101, 1.0, Map.of(), loras),
                new Region("s2", new Box(224, 0, 32, 64), "a blue hat", "", 102, 1.0, Map.of(), List.of()));
        return new ScenePlan(1, null, 256, 64, "a park", "green", 42, "sd", "sd15", "manual", regions);
    }

    private static RegionalRenderer.Settings settings(RegionalRenderer.Mode mode) {
        return new RegionalRenderer.Settings(3, 3.0, Sampler.EULER_ANCESTRAL, mode, -1, 0.2, 0.3,
                RegionalRenderer.Blend.ALPHA, 0);
    }

    private static int changedPixels(RgbImage a, RgbImage b, int x0, int x1) {
        int n = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = x0; x < x1; x++) {
                if (a.rgbAt(x, y) != b.rgbAt(x, y)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aRegionsLoraShapesThatRegionOnlyInJointMode() {
        try (LoraSessions sessions = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES)) {
            RegionalRenderer renderer = new RegionalRenderer(model, sessions, dir);
            RegionalRenderer.Result plain = renderer.render(plan(List.of()), settings(RegionalRenderer.Mode.JOINT),
                    (p, s, n) -> { });
            for (String file : List.of("unet.safetensors", "text.safetensors")) {
                // relative to the plan's folder
                RegionalRenderer.Result lora = renderer.render(plan(List.of(new LoraRef(file, 1.0))),
                        settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { });
                // the text LoRA shifts region 1's prediction uniformly; the fixture's tanh decoder saturates nearly all
                // of region 1 (with the background left out under the box, every blue value there is 0 or 255), so
                // its change shows in the few pixels near a rounding edge only
                assertThat(changedPixels(lora.image(), plain.image(), 0, 32)).as(file)
                        .isGreaterThan(file.startsWith("unet") ? 100 : 16);
                // 3 steps of a 3x3 UNet move a change at most 3 latent pixels beyond region 1's 8-pixel window
                assertThat(changedPixels(lora.image(), plain.image(), 128, 256)).as(file).isZero();
                // region 1's crop runs in its own batch: the other windows are all 8x8 in one
                assertThat(plain.unetBatchesPerStep()).isEqualTo(1);
                assertThat(lora.unetBatchesPerStep()).isEqualTo(2);
            }
            assertThat(sessions.builds()).isEqualTo(2);
            renderer.render(plan(List.of(new LoraRef("unet.safetensors", 1.0))),
                    settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { });
            assertThat(sessions.builds()).as("warm: no rebuild").isEqualTo(2);
        }
    }

    @Test
    void aRegionsLoraShapesThatRegionOnlyInCompositeMode() {
        RegionalRenderer renderer = new RegionalRenderer(model, null, dir);
        RgbImage plain = renderer.render(plan(List.of()), settings(RegionalRenderer.Mode.COMPOSITE), (p, s, n) -> { })
                .image();
        RgbImage lora = renderer.render(plan(List.of(new LoraRef(dir.resolve("unet.safetensors").toString(), 0.8))),
                settings(RegionalRenderer.Mode.COMPOSITE), (p, s, n) -> { }).image();
        assertThat(changedPixels(lora, plain, 0, 32)).isGreaterThan(100);
        assertThat(changedPixels(lora, plain, 96, 256)).isZero();
    }
}
