package dev.troupe.renderer;

import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.renderer.scheduler.Scheduler;

import java.util.List;

/** Text to image with a loaded {@link StableDiffusionModel}: encode, denoise, decode. */
public final class Text2ImagePipeline {

    /** Told after each denoising step. */
    @FunctionalInterface
    public interface StepListener {
        void stepDone(int step, int steps);
    }

    private final StableDiffusionModel model;
    private final UNet unet;
    private final TextEncoder textEncoder;

    public Text2ImagePipeline(StableDiffusionModel model) {
        this(model, model.unet(), model.textEncoder());
    }

    /** Draws with other sessions of the same model, e.g. a {@link LoraSessions.Variant}'s. */
    public Text2ImagePipeline(StableDiffusionModel model, UNet unet, TextEncoder textEncoder) {
        this.model = model;
        this.unet = unet;
        this.textEncoder = textEncoder;
    }

    public RenderResult render(RenderRequest request) {
        return render(request, (step, steps) -> { });
    }

    /**
     * Draws one image. Buffers are allocated once here; the loop itself only copies into them.
     * Latents are {@code [1, C, H/f, W/f]}; the UNet sees {@code [2, C, H/f, W/f]} (negative, positive) with
     * guidance, else {@code [1, C, H/f, W/f]}.
     */
    public RenderResult render(RenderRequest request, StepListener listener) {
        long start = System.nanoTime();
        long sessionStart = model.clock().nanos();
        long runsStart = model.clock().runs();
        VaeDecoder vae = model.vaeDecoder();
        int factor = vae.pixelFactor();
        if (request.width() % factor != 0 || request.height() % factor != 0) {
            throw new ModelException("image size " + request.width() + "x" + request.height() + " does not fit this "
                    + "model: width and height must be multiples of " + factor + ".");
        }
        int channels = vae.latentChannels();
        int h = request.height() / factor;
        int w = request.width() / factor;
        int latentSize = channels * h * w;
        boolean guided = request.guidance() > 1;
        int batch = guided ? 2 : 1;

        TextEncoder text = textEncoder;
        float[] context = text.encode(guided ? List.of(request.negativePrompt(), request.prompt())
                : List.of(request.prompt()));

        Scheduler scheduler = request.sampler().create(model.schedulerConfig());
        scheduler.setTimesteps(request.steps());
        GaussianNoise noise = new GaussianNoise(request.seed());
        float[] latents = new float[latentSize];
        noise.fill(latents, scheduler.initNoiseSigma());
        float[] modelInput = new float[batch * latentSize];
        float[] prediction = new float[batch * latentSize];
        float[] guidedPrediction = guided ? new float[latentSize] : prediction;
        float scale = (float) request.guidance();

        try (UNet.Batch denoiser = unet.batch(batch, channels, h, w, text.length(), text.hiddenSize())) {
            denoiser.setEncoderHiddenStates(context);
            for (int i = 0; i < request.steps(); i++) {
                scheduler.scaleModelInput(latents, i, modelInput);
                if (guided) {
                    System.arraycopy(modelInput, 0, modelInput, latentSize, latentSize);
                }
                denoiser.predict(modelInput, scheduler.timestep(i), prediction);
                if (guided) {
                    // eps = u + g (c - u): the negative prompt's prediction u is first in the batch
                    for (int k = 0; k < latentSize; k++) {
                        float u = prediction[k];
                        guidedPrediction[k] = u + scale * (prediction[latentSize + k] - u);
                    }
                }
                scheduler.step(guidedPrediction, i, latents, noise);
                listener.stepDone(i + 1, request.steps());
            }
        }
        RgbImage image = vae.decode(latents, h, w);
        return new RenderResult(image, System.nanoTime() - start, model.clock().nanos() - sessionStart,
                model.clock().runs() - runsStart, batch);
    }
}
