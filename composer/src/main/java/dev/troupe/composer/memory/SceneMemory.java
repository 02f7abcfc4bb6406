package dev.troupe.composer.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.RegionalRenderer.Mode;
import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.RegionWeights;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.composer.window.WindowGroup;
import dev.troupe.composer.window.WindowPlan;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.UNet;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.model.UNetMemory;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The peak memory of drawing a plan, estimated before anything is loaded, from the model folder's files and configs,
 * the canvas, the windows the UNet runs on and the batch cap:
 * <pre>
 *   total = weights + runtime + unet + buffers
 *   weights  the UNet's, text encoder's and VAE decoder's files (what their sessions hold)
 *   runtime  the JVM and ONNX Runtime themselves, {@value #RUNTIME_BYTES} bytes
 *   unet     the largest UNet run: crops in one batch * {@link UNetMemory#sampleBytes} of one crop
 *   buffers  the latent canvas and every window's inputs and outputs (joint mode), the VAE's working memory for one
 *            decoded tile, and the image's pixels ({@value #JOINT_PIXEL_BYTES} B per pixel in joint mode; composite
 *            mode adds {@value #COMPOSITE_PIXEL_BYTES} for the pyramids and masks of the blend)
 * </pre>
 * Batches are sized as the CPU provider sizes them ({@link UNetMemory#maxCpuBatch}): this is host memory. Measured
 * against peak RSS in the README ("Memory"): it errs high, never low, on the sizes measured there.
 *
 * @param unetCrop the crop of the largest UNet run, {height, width} in latent pixels
 * @param unetBatch how many crops that run takes at once
 */
public record SceneMemory(long weights, long unet, long buffers, long total, int[] unetCrop, int unetBatch) {

    static final long RUNTIME_BYTES = 256L << 20;
    static final int JOINT_PIXEL_BYTES = 24;
    static final int COMPOSITE_PIXEL_BYTES = 72;
    /** Canvas-sized float arrays alive at once in joint mode: latents, prediction, fusion sums, scheduler state. */
    private static final int CANVAS_COPIES = 10;
    /** The VAE decoder's working memory per output pixel, per channel of its first block (SD: 128). */
    private static final int VAE_BYTES_PER_PIXEL_CHANNEL = 24;

    /** What one render is drawn with, as far as memory goes. */
    public record Settings(Mode mode, int margin, int guidanceCopies, int maxBatch) {
        public static Settings of(RegionalRenderer.Settings s) {
            return new Settings(s.mode(), s.margin(), new Guidance(s.guidance()).copies(), s.maxBatch());
        }
    }

    /** The model's files: what its sessions hold once loaded (SDXL's second text encoder included). */
    public static long weights(ModelDirectory dir) {
        long second = dir.textEncoder2Model() == null ? 0 : ModelDirectory.componentBytes(dir.textEncoder2Model());
        return ModelDirectory.componentBytes(dir.unetModel()) + ModelDirectory.componentBytes(dir.textEncoderModel())
                + second + ModelDirectory.componentBytes(dir.vaeDecoderModel());
    }

    /**
     * What the estimate reads of a model folder, read once for any number of estimates: its two configs, the UNet's
     * working memory per sample and the size of its files.
     */
    public record Model(JsonNode unetConfig, JsonNode vaeConfig, UNetMemory unetMemory, long weights) {
        public static Model of(ModelDirectory dir) {
            JsonNode unetConfig = dir.optionalConfig("unet/config.json");
            return new Model(unetConfig, dir.optionalConfig("vae_decoder/config.json"), UNetMemory.of(unetConfig),
                    SceneMemory.weights(dir));
        }
    }

    /** The estimate for the model in {@code dir} (see {@link #estimate(Model, ScenePlan, Settings, long)}). */
    public static SceneMemory estimate(ModelDirectory dir, ScenePlan plan, Settings s, long available) {
        return estimate(Model.of(dir), plan, s, available);
    }

    /**
     * @param available the memory the auto batch cap divides (as the renderer will see it once the model is loaded:
     *                  pass what is available now; the weights are taken off here)
     */
    public static SceneMemory estimate(Model model, ScenePlan plan, Settings s, long available) {
        JsonNode vaeConfig = model.vaeConfig();
        UNetMemory unetMemory = model.unetMemory();
        long weights = model.weights();
        LatentCanvas canvas = canvas(model.unetConfig(), vaeConfig, plan.width(), plan.height());
        long afterLoad = Math.max(0, available - weights - RUNTIME_BYTES);

        Run largest = new Run(0, new int[]{0, 0}, 0);
        long buffers = (long) CANVAS_COPIES * canvas.size() * Float.BYTES;
        ScenePlan background = s.mode() == Mode.COMPOSITE ? plan.withRegions(List.of()) : plan;
        WindowPlan windows = WindowPlan.of(background, canvas, s.margin(), null,
                Collections.nCopies(background.regions().size(), (UNet) null), false, 0);
        // every background tile, as --full-background runs them: what trimming leaves out only lowers the peak
        for (WindowGroup g : windows.groups()) {
            long pixels = (long) g.height() * g.width();
            int samples = g.windows().size() * s.guidanceCopies();
            int cap = s.maxBatch() > 0 ? s.maxBatch() : unetMemory.maxCpuBatch(afterLoad, pixels);
            largest = largest.max(new Run(Math.min(samples, cap) * unetMemory.sampleBytes(pixels),
                    new int[]{g.height(), g.width()}, Math.min(samples, cap)));
            // each window's input, output and weights
            buffers += 3L * samples * canvas.channels() * pixels * Float.BYTES;
        }
        long imagePixels = (long) plan.width() * plan.height();
        buffers += imagePixels * JOINT_PIXEL_BYTES;
        if (s.mode() == Mode.COMPOSITE) {
            // each region alone, its guided pair in one run unless the cap splits it (Text2ImagePipeline)
            for (Region r : plan.regions()) {
                int[] box = canvas.boxOnImage(r.box(), plan.width(), plan.height()); // as CompositePass places it
                RegionWindow w = RegionWeights.window(box, LatentCanvas.margin(box, s.margin()), canvas.multiple(),
                        canvas.width(), canvas.height(), 1.0);
                long pixels = (long) w.height() * w.width();
                int batch = Math.min(s.guidanceCopies(), unetMemory.maxCpuBatch(afterLoad, pixels));
                largest = largest.max(new Run(batch * unetMemory.sampleBytes(pixels), new int[]{w.height(), w.width()},
                        batch));
            }
            buffers += imagePixels * COMPOSITE_PIXEL_BYTES;
        }
        long tile = (long) canvas.nativeSize() * canvas.factor();
        buffers += tile * tile * VAE_BYTES_PER_PIXEL_CHANNEL * firstInt(vaeConfig.path("block_out_channels"), 128);
        long total = weights + RUNTIME_BYTES + largest.bytes() + buffers;
        return new SceneMemory(weights, largest.bytes(), buffers + RUNTIME_BYTES, total, largest.crop(),
                largest.batch());
    }

    private record Run(long bytes, int[] crop, int batch) {
        Run max(Run other) {
            return other.bytes > bytes ? other : this;
        }
    }

    /**
     * The latent canvas of the model in this folder, from configs alone: the VAE's {@code upscale_factor}, else
     * {@code 2^(len(block_out_channels) - 1)} (SD: 8); the UNet's down-sampling and sample size as the loaded model
     * reads them.
     */
    static LatentCanvas canvas(JsonNode unetConfig, JsonNode vaeConfig, int width, int height) {
        int vaeLevels = vaeConfig.path("block_out_channels").size();
        int factor = vaeConfig.path("upscale_factor").asInt(vaeLevels > 1 ? 1 << (vaeLevels - 1) : 8);
        return LatentCanvas.of(vaeConfig.path("latent_channels").asInt(4), factor,
                StableDiffusionModel.unetDownsampling(unetConfig),
                unetConfig.path("sample_size").asInt(64), width, height);
    }

    private static int firstInt(JsonNode array, int fallback) {
        return array.isArray() && !array.isEmpty() ? array.get(0).asInt(fallback) : fallback;
    }

    /** "24.3 GB", or "420 MB" below a gigabyte (decimal units, as most people read them). */
    public static String gigabytes(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%d MB", Math.round(bytes / 1e6));
    }

    /** One line: the total and its parts. */
    public String describe() {
        return String.format(Locale.ROOT, "about %s (model %s, UNet %s for %d crop%s of %dx%d latent pixels at once, "
                        + "runtime, canvas and pixels %s)", gigabytes(total), gigabytes(weights), gigabytes(unet), unetBatch,
                unetBatch == 1 ? "" : "s", unetCrop[1], unetCrop[0], gigabytes(buffers));
    }
}
