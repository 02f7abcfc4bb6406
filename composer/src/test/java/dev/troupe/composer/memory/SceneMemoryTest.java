package dev.troupe.composer.memory;

import dev.troupe.composer.RegionalRenderer.Mode;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Estimates worked by hand from the formulas in {@link SceneMemory}'s and {@link dev.troupe.renderer.model.UNetMemory}'s
 * comments, on a model folder whose configs describe the embedded model's shape (levels of 32, 64, 64 channels, no
 * attention at the first, 2 heads, sample size 32, a VAE of 3 latent channels and 4 pixels per latent pixel).
 */
class SceneMemoryTest {
    private static final long RUNTIME = 256L << 20;

    @TempDir
    Path dir;
    private ModelDirectory model;
    private long weights;

    @BeforeEach
    void model() throws Exception {
        Path folder = SdFixture.write(dir.resolve("m"), SdFixture.Variant.standard());
        Files.writeString(folder.resolve("unet/config.json"), """
                {"block_out_channels": [32, 64, 64], "sample_size": 32, "num_attention_heads": 2,
                 "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]}""");
        Files.writeString(folder.resolve("vae_decoder/config.json"), """
                {"latent_channels": 3, "upscale_factor": 4, "scaling_factor": 1.0}""");
        for (String component : List.of("unet", "text_encoder", "vae_decoder")) {
            try (Stream<Path> files = Files.list(folder.resolve(component))) {
                for (Path f : files.filter(p -> !p.toString().endsWith(".json")).toList()) {
                    weights += Files.size(f);
                }
            }
        }
        model = ModelDirectory.open(folder);
    }

    private static ScenePlan plan(int size, List<Region> regions) {
        return new ScenePlan(2, "", size, size, "a park", "", 1, "embedded", "embedded", "manual", regions);
    }

    @Test
    void aCanvasWithoutRegionsIsItsTilesCanvasPixelsAndOneVaeTile() {
        SceneMemory m = SceneMemory.estimate(model, plan(512, List.of()),
                new SceneMemory.Settings(Mode.JOINT, -1, 2, 1), 1L << 40);
        // latent 128x128; tiles of 32 overlapping by 8: 5 x 5 = 25, guided: 50 samples, run one at a time.
        // one 32x32 sample: 4 B * (8 * (32*1024 + 64*256 + 64*64) + 2 * 2 * 256^2) = 4 * (425,984 + 262,144)
        assertThat(m.unet()).isEqualTo(2_752_512L);
        assertThat(m.unetBatch()).isEqualTo(1);
        // canvas 10 * 3*128*128 * 4 = 1,966,080; windows 3 * 50 * 3*32*32 * 4 = 1,843,200; pixels 512^2 * 24 =
        // 6,291,456; a VAE tile of (32*4)^2 pixels * 24 * 128 = 50,331,648
        long buffers = 1_966_080L + 1_843_200L + 6_291_456L + 50_331_648L;
        assertThat(m.total()).isEqualTo(weights + RUNTIME + 2_752_512L + buffers);
    }

    @Test
    void aLargeRegionsCropIsTheLargestRunOneSampleAtATimeOnTheCpu() {
        Region r = new Region("s1", new Box(128, 128, 256, 256), "a person", "", 1, 1.0, Map.of(), List.of());
        SceneMemory m = SceneMemory.estimate(model, plan(512, List.of(r)),
                new SceneMemory.Settings(Mode.JOINT, -1, 2, 0), 1L << 40);
        // box 64x64 latent at (32, 32) with a margin of 32: a 128x128 crop, N = 16384; levels see 16384, 4096, 1024.
        // 4 B * (8 * (32*16384 + 64*4096 + 64*1024) + 2 * 2 * 4096^2) = 4 * (6,815,744 + 67,108,864) = 295,698,432,
        // once: memory (1 TiB / 2) would allow the guided pair in one run, but a CPU run takes at most 384 MiB
        // (402,653,184 / 295,698,432 = 1.36), so the negative and positive prompts run one after the other
        assertThat(m.unetCrop()).containsExactly(128, 128);
        assertThat(m.unetBatch()).isEqualTo(1);
        assertThat(m.unet()).isEqualTo(295_698_432L);
    }

    @Test
    void aRenderThatDoesNotFitIsRefusedWithTheLargestCanvasThatDoes() {
        Region r = new Region("s1", new Box(1024, 1024, 1024, 2048), "a person", "", 1, 1.0, Map.of(), List.of());
        ScenePlan big = plan(4096, List.of(r));
        SceneMemory.Settings s = new SceneMemory.Settings(Mode.JOINT, -1, 2, 0);
        long available = 3_000_000_000L;
        assertThat(SceneMemory.estimate(model, big, s, available).total()).isGreaterThan(available);
        assertThatThrownBy(() -> MemoryCheck.require(model, big, s, available))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("drawing this scene needs about")
                .hasMessageContaining("more than the 3.0 GB of memory available");
        String problem = MemoryCheck.problem(model, big, s, available);
        Matcher size = Pattern.compile("--size (\\d+)x(\\d+)").matcher(problem);
        assertThat(size.find()).as(problem).isTrue();
        int width = Integer.parseInt(size.group(1));
        // the suggestion fits, and is the largest that does: 32 pixels wider does not
        assertThat(SceneMemory.estimate(model, MemoryCheck.scaled(big, width), s, available).total())
                .isLessThanOrEqualTo(available);
        assertThat(SceneMemory.estimate(model, MemoryCheck.scaled(big, width + 32), s, available).total())
                .isGreaterThan(available);
        assertThat(Integer.parseInt(size.group(2))).isEqualTo(width); // a square stays square
    }

    @Test
    void aLowerBatchCapIsSuggestedWhenTheUserSetOne() {
        Region r = new Region("s1", new Box(128, 128, 256, 256), "a person", "", 1, 1.0, Map.of(), List.of());
        ScenePlan plan = plan(512, List.of(r));
        SceneMemory.Settings two = new SceneMemory.Settings(Mode.JOINT, -1, 2, 2);
        long one = SceneMemory.estimate(model, plan, new SceneMemory.Settings(Mode.JOINT, -1, 2, 1), 1L << 40).total();
        assertThat(MemoryCheck.problem(model, plan, two, one)).contains("it fits with --max-batch 1");
        assertThat(MemoryCheck.problem(model, plan, two, one + 295_698_432L)).isNull();
    }
}
