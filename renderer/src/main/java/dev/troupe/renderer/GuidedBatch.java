package dev.troupe.renderer;

import java.util.ArrayList;
import java.util.List;

/**
 * k latents of one shape {@code [k, C, h, w]}, each with its own prompt, predicted together with
 * {@link Guidance classifier-free guidance}. The UNet sees {@code [copies * k, C, h, w]}: with guidance the k latents
 * twice, against the k negative prompts first and the k positive ones after; the batch runs in slices of at most
 * {@code maxBatch} samples, as few and as even as that allows (each slice one {@link UNet.Batch}, its tensors
 * allocated once), so the cap changes memory
 * and speed, never the prediction. Buffers are allocated here, once; a step only copies into them. Not thread-safe.
 */
public final class GuidedBatch implements AutoCloseable {

    /** Samples [first, first + count) of the batch, run through the UNet at once. */
    private record Run(UNet.Batch batch, int first, int count) {
    }

    private final Guidance guidance;
    private final int latents;
    private final int sampleSize;
    private final float[] input;
    private final float[] output;
    private final float[] guided;
    private final List<Run> runs = new ArrayList<>();

    /**
     * @param k        the latents predicted together
     * @param context  {@code encoder_hidden_states [copies * k, L, D]}: the negative prompts' states, then the positive
     *                 ones' (the positive ones alone without guidance), in the order of the latents
     * @param maxBatch the most samples one UNet run takes (a guided latent counts twice)
     */
    public GuidedBatch(UNet unet, Guidance guidance, int k, int channels, int height, int width, int length,
                       int hidden, float[] context, int maxBatch) {
        this(unet, guidance, k, channels, height, width, Conditioning.ofStates(context.length / (length * hidden),
                length, hidden, context), maxBatch, context.length);
    }

    /**
     * @param k            the latents predicted together
     * @param conditioning {@code copies * k} samples' conditioning ({@code encoder_hidden_states}, and for SDXL
     *                     {@code text_embeds} and {@code time_ids}): the negative prompts' first, then the positive
     *                     ones' (the positive ones alone without guidance), in the order of the latents
     * @param maxBatch     the most samples one UNet run takes (a guided latent counts twice)
     */
    public GuidedBatch(UNet unet, Guidance guidance, int k, int channels, int height, int width,
                       Conditioning conditioning, int maxBatch) {
        this(unet, guidance, k, channels, height, width, conditioning, maxBatch, conditioning.states().length);
    }

    private GuidedBatch(UNet unet, Guidance guidance, int k, int channels, int height, int width,
                        Conditioning conditioning, int maxBatch, int contextValues) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch cap must be at least 1, not " + maxBatch);
        }
        int samples = guidance.copies() * k;
        int states = conditioning.length() * conditioning.hidden();
        if (contextValues != samples * states) {
            throw new IllegalArgumentException("encoder_hidden_states has " + contextValues + " values, "
                    + samples + " samples need " + samples * states);
        }
        this.guidance = guidance;
        this.latents = k;
        this.sampleSize = channels * height * width;
        this.input = new float[samples * sampleSize];
        this.output = new float[samples * sampleSize];
        this.guided = guidance.active() ? new float[k * sampleSize] : output;
        // as few runs as the cap allows, of even size: 10 samples capped at 7 run as 5 + 5, not 7 + 3 (a short run
        // costs nearly as much time per sample as a long one, and the long one is the slow kind on a CPU)
        int runCount = (samples + maxBatch - 1) / maxBatch;
        int perRun = (samples + runCount - 1) / runCount;
        try {
            for (int first = 0; first < samples; first += perRun) {
                int n = Math.min(perRun, samples - first);
                Conditioning slice = conditioning.slice(first, n);
                Run run = new Run(unet.batch(n, channels, height, width, slice), first, n);
                runs.add(run);
                run.batch().setConditioning(slice);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Where the k latents go before {@link #predict}: latent j at {@code [j * C * h * w ..]}, as the UNet sees it. */
    public float[] input() {
        return input;
    }

    /**
     * Runs the UNet on the k latents of {@link #input()} at {@code timestep} and returns the guided predictions
     * {@code [k, C, h, w]}, in a buffer this batch reuses at the next call.
     */
    public float[] predict(double timestep) {
        int n = latents * sampleSize;
        if (guidance.active()) {
            System.arraycopy(input, 0, input, n, n); // the positive prompts see the same latents
        }
        for (Run run : runs) {
            run.batch().predict(input, run.first() * sampleSize, timestep, output, run.first() * sampleSize);
        }
        if (guidance.active()) {
            guidance.combine(output, n, guided);
        }
        return guided;
    }

    /** UNet runs per prediction: 1, or more when the cap slices the batch. */
    public int runs() {
        return runs.size();
    }

    /** Samples per prediction, {@code copies * k}. */
    public int samples() {
        return guidance.copies() * latents;
    }

    @Override
    public void close() {
        runs.forEach(run -> run.batch().close());
    }
}
