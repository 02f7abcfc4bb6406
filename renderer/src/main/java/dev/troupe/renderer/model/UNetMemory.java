package dev.troupe.renderer.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;

/**
 * The working memory one UNet sample needs, from {@code unet/config.json} alone (no session): what sizes UNet batches
 * and what a render is checked against before it starts.
 *
 * <p>For a crop of {@code N} latent pixels, level {@code l} of the UNet sees {@code N_l = N / 4^l} positions with
 * {@code c_l} channels ({@code block_out_channels}). Two kinds of tensor live at once:
 * <pre>
 *   activations  = 4 B * K * sum_l c_l * N_l              (K = 8: skip connections kept for the way up, group-norm
 *                                                         and resnet temporaries, the concatenations going up)
 *   attention    = 4 B * 2 * max_l heads_l * N_l^2        over the levels with attention: the self-attention scores
 *                                                         and their softmax, the only tensors quadratic in the crop
 *   sampleBytes  = activations + attention
 * </pre>
 * The attention term dominates for large crops: SD 1.5 at 64x64 needs 1 GiB of scores per sample, at 128x128 16 GiB.
 * Values count as fp32 whatever the export (an estimate that errs high for fp16). Which levels attend comes from
 * {@code down_block_types} ({@code CrossAttn...} blocks; the middle block attends at the last level); heads from
 * {@code num_attention_heads}, else {@code attention_head_dim}, which SD 1.x/2.x configs use for the head count.
 * Measured against the process's peak RSS on the embedded model in the README ("Memory").
 *
 * @param channels {@code block_out_channels}
 * @param attends  per level, whether it has self-attention
 * @param heads    per level, attention heads
 */
public record UNetMemory(int[] channels, boolean[] attends, int[] heads) {

    /**
     * The most working memory one UNet run takes on the CPU when the user sets no batch cap. Larger runs are slower
     * per sample there: measured on this project's 2-core machine with an SD 1.5-sized UNet (86 MB a 32x32 sample by
     * {@link #sampleBytes}), a run of 4 such samples took 445 us per sample-pixel and one of 8 494 us; at 64x64
     * (1.1 GB a sample) one sample a run is 7 % faster a step than the guided pair in one (README, "Speed and
     * memory"). The working set outgrows the caches; smaller runs keep it nearer.
     */
    public static final long CPU_RUN_BYTES = 384L << 20;

    /** Activation tensors alive at once per value of {@code sum_l c_l N_l} (see the class comment). */
    static final int ACTIVATION_COPIES = 8;

    private static final int[] SD15_CHANNELS = {320, 640, 1280, 1280};

    /** From a UNet config; diffusers' defaults (SD 1.5's) for what it leaves out. */
    public static UNetMemory of(JsonNode config) {
        int[] channels = ints(config.path("block_out_channels"), SD15_CHANNELS);
        int levels = channels.length;
        boolean[] attends = new boolean[levels];
        JsonNode types = config.path("down_block_types");
        for (int l = 0; l < levels; l++) {
            // diffusers' default: cross-attention blocks at every level but the last
            attends[l] = types.isArray() && types.size() == levels ? types.get(l).asText().contains("CrossAttn")
                    : l < levels - 1;
        }
        String mid = config.path("mid_block_type").asText("UNetMidBlock2DCrossAttn");
        attends[levels - 1] |= mid.contains("CrossAttn");
        JsonNode headsNode = config.path("num_attention_heads");
        if (headsNode.isMissingNode() || headsNode.isNull()) {
            headsNode = config.path("attention_head_dim");
        }
        int[] heads = new int[levels];
        if (headsNode.isArray() && headsNode.size() == levels) {
            heads = ints(headsNode, null);
        } else {
            Arrays.fill(heads, headsNode.isNumber() ? headsNode.asInt() : 8);
        }
        return new UNetMemory(channels, attends, heads);
    }

    /**
     * As {@link #maxBatch}, and for the CPU also at most {@link #CPU_RUN_BYTES} of working memory a run (at least one
     * sample): the default batch cap on the CPU provider.
     */
    public int maxCpuBatch(long availableBytes, long latentPixels) {
        long perRun = Math.max(1, CPU_RUN_BYTES / Math.max(1, sampleBytes(latentPixels)));
        return (int) Math.min(maxBatch(availableBytes, latentPixels), perRun);
    }

    /** Bytes one sample of {@code latentPixels} (h * w) needs while the UNet runs on it. */
    public long sampleBytes(long latentPixels) {
        double activations = 0;
        double attention = 0;
        double n = latentPixels;
        for (int l = 0; l < channels.length; l++, n /= 4) {
            activations += (double) channels[l] * n;
            if (attends[l]) {
                attention = Math.max(attention, heads[l] * n * n);
            }
        }
        return (long) Math.min(Long.MAX_VALUE / 4.0, 4.0 * (ACTIVATION_COPIES * activations + 2 * attention));
    }

    /**
     * How many samples of {@code latentPixels} to run at once when the user does not say: half of
     * {@code availableBytes} over {@link #sampleBytes}, between 1 and 256.
     */
    public int maxBatch(long availableBytes, long latentPixels) {
        return (int) Math.max(1, Math.min(256, (availableBytes / 2) / Math.max(1, sampleBytes(latentPixels))));
    }

    private static int[] ints(JsonNode array, int[] fallback) {
        if (!array.isArray() || array.isEmpty()) {
            return fallback;
        }
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
