package dev.troupe.renderer;

import dev.troupe.renderer.model.ModelException;

import java.util.List;

/** Text to image with a loaded {@link StableDiffusionModel}: encode, denoise, decode. */
public final class Text2ImagePipeline {

    private final StableDiffusionModel model;
    private final UNet unet;
    private final PromptEncoder prompts;

    public Text2ImagePipeline(StableDiffusionModel model) {
        this(model, model.unet(), model.promptEncoder());
    }

    /**
     * Draws with other sessions of the same model, e.g. a {@link LoraSessions.Variant}'s (its UNet, and its text
     * encoders where its LoRAs change them).
     */
    public Text2ImagePipeline(StableDiffusionModel model, UNet unet, PromptEncoder prompts) {
        this.model = model;
        this.unet = unet;
        this.prompts = prompts;
    }

    public RenderResult render(RenderRequest request) {
        return render(request, (step, steps) -> { });
    }

    /** Draws one whole image: SDXL's micro-conditioning says an uncropped picture of the request's size. */
    public RenderResult render(RenderRequest request, DenoisingLoop.StepListener listener) {
        return render(request, MicroConditioning.whole(request.width(), request.height()), listener);
    }

    /**
     * Draws one image: the prompts encoded once, then the {@link DenoisingLoop} with one {@link GuidedBatch} as its
     * noise predictor. Latents are {@code [1, C, H/f, W/f]}; the UNet sees {@code [2, C, H/f, W/f]} (negative,
     * positive) with guidance, else {@code [1, C, H/f, W/f]}.
     *
     * @param micro what an SDXL UNet is told about the picture (its {@code time_ids}): a part of a larger canvas
     *              says so; ignored by SD 1.x / 2.x
     */
    public RenderResult render(RenderRequest request, MicroConditioning micro, DenoisingLoop.StepListener listener) {
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
        Guidance guidance = new Guidance(request.guidance());

        PromptEmbeddings encoded = guidance.active()
                ? prompts.encode(List.of(request.negativePrompt(), request.prompt()), 1)
                : prompts.encode(List.of(request.prompt()));
        Conditioning conditioning = Conditioning.like(encoded, encoded.count());
        for (int i = 0; i < encoded.count(); i++) {
            conditioning.set(i, encoded, i, micro);
        }
        DenoisingLoop loop = new DenoisingLoop(request.sampler(), model.schedulerConfig(), request.steps());
        float[] latents = new float[channels * h * w];
        // the guided pair in one run, unless the CPU runs it faster as two (a large image)
        try (GuidedBatch denoiser = new GuidedBatch(unet, guidance, 1, channels, h, w, conditioning,
                Math.min(guidance.copies(), model.defaultMaxBatch(h * w)))) {
            loop.run(latents, DenoisingLoop.seeded(request.seed()), (step, timestep, input) -> {
                System.arraycopy(input, 0, denoiser.input(), 0, input.length);
                return denoiser.predict(timestep);
            }, listener);
        }
        RgbImage image = vae.decode(latents, h, w);
        return new RenderResult(image, System.nanoTime() - start, model.clock().nanos() - sessionStart,
                model.clock().runs() - runsStart, guidance.copies());
    }
}
