package dev.troupe.renderer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Expected bytes worked by hand from the formula in {@link UNetMemory}'s comment and the published configs. */
class UNetMemoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** runwayml/stable-diffusion-v1-5 unet/config.json, the fields that matter. */
    private static final String SD15 = """
            {"block_out_channels": [320, 640, 1280, 1280],
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
             "attention_head_dim": 8, "sample_size": 64}""";

    /** stabilityai/stable-diffusion-xl-base-1.0 unet/config.json, the fields that matter. */
    private static final String SDXL = """
            {"block_out_channels": [320, 640, 1280],
             "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
             "attention_head_dim": [5, 10, 20], "num_attention_heads": null, "sample_size": 128}""";

    private static UNetMemory of(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return UNetMemory.of(node);
    }

    @Test
    void sd15AtItsNativeSize() throws Exception {
        // N = 4096: activations 8 * (320*4096 + 640*1024 + 1280*256 + 1280*64) = 8 * 2,375,680 = 19,005,440;
        // attention at level 0: 2 * 8 * 4096^2 = 268,435,456; (19,005,440 + 268,435,456) * 4 B = 1,149,763,584
        assertThat(of(SD15).sampleBytes(64 * 64)).isEqualTo(1_149_763_584L);
        // N = 1024: 8 * 593,920 + 2 * 8 * 1024^2 = 4,751,360 + 16,777,216; * 4 = 86,114,304
        assertThat(of(SD15).sampleBytes(32 * 32)).isEqualTo(86_114_304L);
    }

    @Test
    void sdxlAttendsFromItsSecondLevelWithHeadsPerLevel() throws Exception {
        // N = 16384: activations 8 * (320*16384 + 640*4096 + 1280*1024) = 73,400,320; attention: level 1 has
        // 10 heads over 4096 positions (2 * 10 * 4096^2 = 335,544,320), more than level 2's 20 over 1024;
        // level 0 (DownBlock2D) has none. (73,400,320 + 335,544,320) * 4 = 1,635,778,560
        assertThat(of(SDXL).sampleBytes(128 * 128)).isEqualTo(1_635_778_560L);
    }

    @Test
    void theAttentionTermGrowsWithTheSquareOfTheCrop() throws Exception {
        UNetMemory sd15 = of(SD15);
        // four times the pixels: sixteen times the scores, so the total grows by more than 15x at large crops
        assertThat(sd15.sampleBytes(256L * 256) / (double) sd15.sampleBytes(128L * 128)).isGreaterThan(15.0);
    }

    @Test
    void theDefaultBatchCapIsHalfTheMemoryOverOneSample() throws Exception {
        UNetMemory sd15 = of(SD15);
        long gib = 1L << 30;
        // 8 GiB = 8,589,934,592 over 1,149,763,584: 7.47, so 7; over 86,114,304: 99.75, so 99
        assertThat(sd15.maxBatch(16 * gib, 64 * 64)).isEqualTo(7);
        assertThat(sd15.maxBatch(16 * gib, 32 * 32)).isEqualTo(99);
        assertThat(sd15.maxBatch(gib, 64 * 64)).isEqualTo(1); // never below one
        assertThat(sd15.maxBatch(1024 * gib, 8 * 8)).isEqualTo(256); // nor above 256
    }

    @Test
    void onTheCpuARunTakesAtMost384MibOfWorkingMemory() throws Exception {
        UNetMemory sd15 = of(SD15);
        long gib = 1L << 30;
        // 384 MiB = 402,653,184 over 86,114,304 (a 32x32 sample, worked above): 4.68, so 4 where memory allows 99
        assertThat(sd15.maxCpuBatch(16 * gib, 32 * 32)).isEqualTo(4);
        // a 64x64 sample (1,149,763,584) is over the budget alone: one a run, the guided pair in two
        assertThat(sd15.maxCpuBatch(16 * gib, 64 * 64)).isEqualTo(1);
        // N = 768 (24x32): 8 * (320*768 + 640*192 + 1280*48 + 1280*12) = 3,563,520; 2 * 8 * 768^2 = 9,437,184;
        // * 4 = 52,002,816: 7.74, so 7
        assertThat(sd15.maxCpuBatch(16 * gib, 24 * 32)).isEqualTo(7);
        // and never more than memory allows: 1 GiB available leaves 512 MiB, 6 samples of 32x32
        assertThat(sd15.maxCpuBatch(gib, 32 * 32)).isEqualTo(Math.min(4, sd15.maxBatch(gib, 32 * 32)));
        assertThat(sd15.maxCpuBatch(gib / 8, 32 * 32)).isEqualTo(sd15.maxBatch(gib / 8, 32 * 32)).isEqualTo(1);
    }

    @Test
    void aConfigThatSaysNothingReadsAsSd15() throws Exception {
        assertThat(of("{}").sampleBytes(64 * 64)).isEqualTo(of(SD15).sampleBytes(64 * 64));
    }
}
