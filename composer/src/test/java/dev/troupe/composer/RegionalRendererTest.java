package dev.troupe.composer;

import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.fixtures.SdFixture;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Regional rendering on a tiny SD-format fixture model (random weights, the real input and output names). */
class RegionalRendererTest {
    @TempDir
    static Path dir;
    private static StableDiffusionModel model;

    @BeforeAll
    static void load() throws Exception {
        model = StableDiffusionModel.load(SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard()),
                new SessionFactory(ExecutionProvider.CPU, 1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static RegionalRenderer.Settings settings(RegionalRenderer.Mode mode) {
        return settings(mode, 0);
    }

    private static RegionalRenderer.Settings settings(RegionalRenderer.Mode mode, int maxBatch) {
        return new RegionalRenderer.Settings(4, 3.0, Sampler.EULER_ANCESTRAL, mode, -1, 0.2, 0.5,
                RegionalRenderer.Blend.LAPLACIAN, maxBatch);
    }

    private static ScenePlan plan(int width, int height, List<Region> regions) {
        return new ScenePlan(1, null, width, height, "a red shirt", "blue", 42, "sd", "sd15", "row", regions);
    }

    private static Region region(int i, Box box, String prompt, long seed) {
        return new Region("s" + i, box, prompt, "two", seed, 1.0, Map.of(), List.of());
    }

    /** n boxes of 32x64 side by side on a (32 n + 32) x 64 canvas. */
    private static List<Region> row(int n) {
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(region(i + 1, new Box(16 + 32 * i, 0, 32, 64), i % 2 == 0 ? "red shirt" : "blue", 100 + i));
        }
        return regions;
    }

    @Test
    void aPlanWithoutRegionsIsExactlyAPlainRender() {
        RgbImage plain = new Text2ImagePipeline(model).render(new RenderRequest("a red shirt", "blue", 64, 64, 4, 3.0,
                Sampler.EULER_ANCESTRAL, 42)).image();
        RgbImage joint = new RegionalRenderer(model).render(plan(64, 64, List.of()),
                settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { }).image();
        assertThat(joint.rgb()).isEqualTo(plain.rgb());
    }

    @Test
    void sameSizedRegionsShareOneBatchAndCostLessThanWholeCanvasPrompts() {
        RegionalRenderer.Result r = new RegionalRenderer(model).render(plan(192, 64, row(5)),
                settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { });
        assertThat(r.image().width()).isEqualTo(192);
        // the fixture's native size is 8 latent pixels: the background's tiles and the five crops are all 8x8,
        // so every UNet evaluation of a step goes in one batch
        assertThat(r.unetBatchesPerStep()).isEqualTo(1);
        List<Region> mixed = new ArrayList<>(row(5));
        mixed.set(4, region(5, new Box(96, 0, 96, 64), "blue", 7)); // a wider box: a crop of another shape
        assertThat(new RegionalRenderer(model).render(plan(192, 64, mixed), settings(RegionalRenderer.Mode.JOINT),
                (p, s, n) -> { }).unetBatchesPerStep()).isEqualTo(2);
        assertThat(r.naiveUnetWork() / (double) r.unetWork()).isGreaterThan(2.0);
    }

    @Test
    void aBatchCapChunksTheUNetRunsAndGivesTheSameImage() {
        // five equal crops and the background tiles, guided: 2 x (5 + tiles) samples of one shape
        ScenePlan plan = plan(192, 64, row(5));
        RegionalRenderer renderer = new RegionalRenderer(model);
        RegionalRenderer.Result uncapped = renderer.render(plan, settings(RegionalRenderer.Mode.JOINT),
                (p, s, n) -> { });
        RegionalRenderer.Result one = renderer.render(plan, settings(RegionalRenderer.Mode.JOINT, 1),
                (p, s, n) -> { });
        RegionalRenderer.Result three = renderer.render(plan, settings(RegionalRenderer.Mode.JOINT, 3),
                (p, s, n) -> { });
        assertThat(uncapped.unetBatchesPerStep()).isEqualTo(1);
        int samples = (int) (uncapped.unetWork() / 4 / 64); // 4 steps, 8x8 crops
        assertThat(one.unetBatchesPerStep()).isEqualTo(samples);
        assertThat(three.unetBatchesPerStep()).isEqualTo((samples + 2) / 3);
        assertThat(one.image().rgb()).isEqualTo(uncapped.image().rgb());
        assertThat(three.image().rgb()).isEqualTo(uncapped.image().rgb());
    }

    @Test
    void sameInputsGiveTheSameImageAndAnotherPromptChangesIt() {
        RegionalRenderer renderer = new RegionalRenderer(model);
        ScenePlan plan = plan(192, 64, row(5));
        RgbImage a = renderer.render(plan, settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { }).image();
        RgbImage b = renderer.render(plan, settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { }).image();
        assertThat(a.rgb()).isEqualTo(b.rgb());
        List<Region> changed = new ArrayList<>(plan.regions());
        changed.set(0, region(1, changed.get(0).box(), "a", 100));
        RgbImage c = renderer.render(plan(192, 64, changed), settings(RegionalRenderer.Mode.JOINT), (p, s, n) -> { })
                .image();
        assertThat(c.rgb()).isNotEqualTo(a.rgb());
    }

    @Test
    void jointModeAllocatesNoBuffersPerStep() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // 512x256 with four 128x256 boxes: the canvas latent is 64x32x4 floats (32 KiB) and each crop's batch
        // buffers more, so one buffer per step would show at once
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            regions.add(region(i + 1, new Box(128 * i, 0, 128, 256), i % 2 == 0 ? "red shirt" : "blue", 10 + i));
        }
        ScenePlan plan = plan(512, 256, regions);
        RegionalRenderer renderer = new RegionalRenderer(model);
        RegionalRenderer.Settings few = new RegionalRenderer.Settings(4, 3.0, Sampler.DPMPP_2M,
                RegionalRenderer.Mode.JOINT, -1, 0.2, 0.5, RegionalRenderer.Blend.LAPLACIAN, 0);
        RegionalRenderer.Settings many = new RegionalRenderer.Settings(24, 3.0, Sampler.DPMPP_2M,
                RegionalRenderer.Mode.JOINT, -1, 0.2, 0.5, RegionalRenderer.Blend.LAPLACIAN, 0);
        renderer.render(plan, many, (p, s, n) -> { }); // warm up the JIT and ONNX Runtime
        long id = Thread.currentThread().getId();
        long start = threads.getThreadAllocatedBytes(id);
        renderer.render(plan, few, (p, s, n) -> { });
        long fewBytes = threads.getThreadAllocatedBytes(id) - start;
        start = threads.getThreadAllocatedBytes(id);
        renderer.render(plan, many, (p, s, n) -> { });
        long manyBytes = threads.getThreadAllocatedBytes(id) - start;
        long perStep = (manyBytes - fewBytes) / 20;
        assertThat(perStep).as("bytes allocated per extra step").isLessThan(8 * 1024);
    }

    @Test
    void compositeModeDrawsTheCanvasWithEachSubjectBlendedIn() {
        ScenePlan plan = plan(192, 64, row(5));
        RegionalRenderer renderer = new RegionalRenderer(model);
        RgbImage composite = renderer.render(plan, settings(RegionalRenderer.Mode.COMPOSITE), (p, s, n) -> { }).image();
        RgbImage background = renderer.render(plan(192, 64, List.of()), settings(RegionalRenderer.Mode.JOINT),
                (p, s, n) -> { }).image();
        assertThat(composite.width()).isEqualTo(192);
        assertThat(composite.height()).isEqualTo(64);
        // far from every box the background is untouched; in a box's middle the subject replaced it
        assertThat(composite.rgbAt(2, 32)).isEqualTo(background.rgbAt(2, 32));
        assertThat(composite.rgbAt(32, 32)).isNotEqualTo(background.rgbAt(32, 32));
    }
}
