package dev.troupe.composer;

import dev.troupe.composer.fusion.CanvasTiles;
import dev.troupe.composer.fusion.PredictionFusion;
import dev.troupe.composer.fusion.RegionWeights;
import dev.troupe.composer.fusion.RegionWindow;
import dev.troupe.composer.pixel.FeatherMask;
import dev.troupe.composer.pixel.LaplacianBlend;
import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.GuidedBatch;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.NonFiniteException;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.TextEncoder;
import dev.troupe.renderer.UNet;
import dev.troupe.renderer.VaeDecoder;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Draws a {@link ScenePlan}: every subject from its own prompt inside its own box, on one canvas.
 *
 * <p><b>Joint mode</b> (default), per denoising step:
 * <ol>
 *   <li>the background prompt runs over the canvas, in overlapping tiles of the model's native size;</li>
 *   <li>each region's prompt runs on the crop of its box plus a context margin (so a region costs in proportion
 *       to its area), crops of equal size batched together, with the negative prompts in the same batch;</li>
 *   <li>the guided predictions are fused with per-region weights (1 in the box, feathered to 0 over the margin,
 *       the background weighted by {@link Settings#backgroundWeight()} everywhere);</li>
 *   <li>the scheduler steps once for the whole canvas.</li>
 * </ol>
 * For the first {@link Settings#bootstrapFraction()} of the steps each region sees a plain noised colour around
 * its box instead of the canvas (MultiDiffusion's bootstrapping), so that its subject is drawn inside the box.
 * A region's initial noise comes from its own seed: changing one subject leaves the others' noise as it was.
 *
 * <p><b>Composite mode</b>: the background and each region are rendered on their own, then blended in pixels
 * (Laplacian pyramid over a feathered mask, or plain feathered alpha).
 *
 * <p><b>Per-region LoRAs</b> ({@link Region#loras()}, on top of the model's global ones): a region's crop runs
 * through the UNet of its own LoRA set (from {@link LoraSessions}), and its prompts through that set's text encoder
 * when the set has text-encoder weights; windows are grouped by shape and set. The background tiles use the model's
 * own sessions, so a region's LoRA shapes that region's prediction only.
 */
public final class RegionalRenderer {

    public enum Mode { JOINT, COMPOSITE }

    public enum Blend { LAPLACIAN, ALPHA }

    /**
     * @param margin            context margin around each box in latent pixels; negative: half the box's
     *                          shorter side
     * @param backgroundWeight  weight of the background prediction where regions are (1 outside every region)
     * @param bootstrapFraction fraction of the first steps during which regions see a plain colour around the box
     * @param maxBatch          the most samples (crops, negative and positive prompts counted apart) one UNet run
     *                          takes in joint mode; 0: {@link StableDiffusionModel#defaultMaxBatch}. The image is the
     *                          same whatever the cap: only memory and speed change.
     */
    public record Settings(int steps, double guidance, dev.troupe.renderer.scheduler.Sampler sampler, Mode mode,
                           int margin, double backgroundWeight, double bootstrapFraction, Blend blend, int maxBatch) {
        public Settings {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1");
            }
            if (maxBatch < 0) {
                throw new IllegalArgumentException("the batch cap must be >= 1, or 0 for automatic");
            }
            if (!(backgroundWeight >= 0) || !(bootstrapFraction >= 0 && bootstrapFraction <= 1)) {
                throw new IllegalArgumentException("background weight must be >= 0 and bootstrap fraction in 0..1");
            }
        }
    }

    /** Told after each step of each pass. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, int step, int steps);
    }

    /**
     * @param unetWork      latent pixels the UNet processed, all steps and batches together
     * @param naiveUnetWork what running every prompt over the whole canvas would have cost, same tiling
     * @param unetBatchesPerStep UNet runs per denoising step (one per group of equal crops, more when capped)
     */
    public record Result(RgbImage image, long nanos, long sessionNanos, long unetWork, long naiveUnetWork,
                         int unetBatchesPerStep) {
    }

    private final StableDiffusionModel model;
    private final LoraSessions loras;
    private final Path loraBase;

    /** Plan LoRAs are resolved against the working folder and their sessions kept for one render only. */
    public RegionalRenderer(StableDiffusionModel model) {
        this(model, null, Path.of(""));
    }

    /**
     * @param loras    sessions for regions' LoRA sets, kept across renders (null: built per render when needed)
     * @param loraBase the folder that relative LoRA paths in a plan are relative to (the plan file's folder)
     */
    public RegionalRenderer(StableDiffusionModel model, LoraSessions loras, Path loraBase) {
        this.model = model;
        this.loras = loras;
        this.loraBase = loraBase;
    }

    public Result render(ScenePlan plan, Settings s, Progress progress) {
        long start = System.nanoTime();
        long sessionStart = model.clock().nanos();
        List<LoraSet> sets = new ArrayList<>();
        for (Region r : plan.regions()) {
            sets.add(LoraSet.fromRefs(r.loras(), loraBase));
        }
        boolean anyLora = sets.stream().anyMatch(set -> !set.isEmpty());
        LoraSessions own = anyLora && loras == null ? new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES) : null;
        LoraSessions sessions = loras != null ? loras : own;
        Result r;
        try {
            if (s.mode() == Mode.JOINT || plan.regions().isEmpty()) {
                try (LoraSessions.Lease lease = anyLora ? sessions.lease(sets) : null) {
                    List<LoraSessions.Variant> variants = new ArrayList<>();
                    for (LoraSet set : sets) {
                        variants.add(lease == null ? null : lease.get(set));
                    }
                    r = joint(plan, s, progress, variants);
                }
            } else {
                r = composite(plan, s, progress, sets, sessions);
            }
        } catch (NonFiniteException e) {
            // name the LoRA files in play: they are the usual cause
            Set<Path> files = new LinkedHashSet<>();
            for (LoraSet set : sets) {
                set.entries().forEach(entry -> files.add(entry.file()));
            }
            model.loras().entries().forEach(entry -> files.add(entry.file()));
            throw files.isEmpty() ? e : new NonFiniteException(e.getMessage() + " (LoRA files in this render: "
                    + files.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")");
        } finally {
            if (own != null) {
                own.close();
            }
        }
        return new Result(r.image(), System.nanoTime() - start, model.clock().nanos() - sessionStart,
                r.unetWork(), r.naiveUnetWork(), r.unetBatchesPerStep());
    }

    /**
     * One UNet input shape and session (LoRA set): the windows that share them, run as one {@link GuidedBatch}.
     */
    private static final class Group {
        final int height;
        final int width;
        final UNet unet;
        final List<RegionWindow> windows = new ArrayList<>();
        final List<Integer> prompts = new ArrayList<>();
        final List<Region> regions = new ArrayList<>(); // null for background tiles
        final List<float[]> boxWeights = new ArrayList<>(); // the window's weights inside the box only
        final List<int[]> boxes = new ArrayList<>(); // the region's box in latent pixels; null for tiles
        GuidedBatch batch;

        Group(int height, int width, UNet unet) {
            this.height = height;
            this.width = width;
            this.unet = unet;
        }

        void add(RegionWindow window, int prompt, Region region, int[] box) {
            windows.add(window);
            prompts.add(prompt);
            regions.add(region);
            float[] inside = window.weights().clone();
            if (box != null) {
                for (int y = 0; y < window.height(); y++) {
                    for (int x = 0; x < window.width(); x++) {
                        int gx = window.x() + x, gy = window.y() + y;
                        if (gx < box[0] || gx >= box[0] + box[2] || gy < box[1] || gy >= box[1] + box[3]) {
                            inside[y * window.width() + x] = 0f;
                        }
                    }
                }
            }
            boxWeights.add(inside);
            boxes.add(box);
        }
    }

    /** @param variants per region, its LoRA sessions (null: the model's own) */
    private Result joint(ScenePlan plan, Settings s, Progress progress, List<LoraSessions.Variant> variants) {
        VaeDecoder vae = model.vaeDecoder();
        int f = vae.pixelFactor();
        int channels = vae.latentChannels();
        int multiple = model.unetDownsampling();
        // The latent canvas is rounded up to what the UNet can take; the image is cropped back at the end.
        int w = roundUp(ceilDiv(plan.width(), f), multiple);
        int h = roundUp(ceilDiv(plan.height(), f), multiple);
        int nativeSize = roundUp(model.unetSampleSize(), multiple);
        Guidance guidance = new Guidance(s.guidance());
        boolean guided = guidance.active();
        int copies = guidance.copies();

        // Prompts: 0 is the background, i + 1 is region i.
        List<String> positives = new ArrayList<>();
        List<String> negatives = new ArrayList<>();
        positives.add(plan.background());
        negatives.add(plan.negativePrompt());
        for (Region r : plan.regions()) {
            positives.add(r.prompt());
            negatives.add(join(plan.negativePrompt(), r.negativePrompt()));
        }

        // Windows, grouped by shape and UNet session.
        Map<GroupKey, Group> groups = new LinkedHashMap<>();
        List<RegionWindow> tiles = CanvasTiles.cover(w, h, nativeSize, nativeSize / 4);
        long canvasWork = 0;
        for (RegionWindow t : tiles) {
            group(groups, t, model.unet()).add(t, 0, null, null);
            canvasWork += t.area();
        }
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            int[] box = latentBox(r.box(), f, w, h);
            int margin = margin(box, s);
            RegionWindow win = RegionWeights.window(box, margin, multiple, w, h, r.weight());
            LoraSessions.Variant variant = variants.get(i);
            group(groups, win, variant == null ? model.unet() : variant.unet()).add(win, i + 1, r, box);
        }

        TextEncoder text = model.textEncoder();
        int tokens = text.length(), hidden = text.hiddenSize();
        int ctx = tokens * hidden;
        float[] uncond = guided ? text.encode(negatives) : null;
        float[] cond = text.encode(positives);
        for (int i = 0; i < plan.regions().size(); i++) {
            LoraSessions.Variant variant = variants.get(i);
            if (variant != null && variant.hasOwnTextEncoder()) {
                // the region's LoRA changes the text encoder: its prompts are encoded with the merged one
                TextEncoder own = variant.textEncoder();
                System.arraycopy(own.encode(List.of(positives.get(i + 1))), 0, cond, (i + 1) * ctx, ctx);
                if (guided) {
                    System.arraycopy(own.encode(List.of(negatives.get(i + 1))), 0, uncond, (i + 1) * ctx, ctx);
                }
            }
        }

        DenoisingLoop loop = new DenoisingLoop(s.sampler(), model.schedulerConfig(), s.steps());
        float[] latents = new float[channels * h * w];
        float[] eps = new float[latents.length];
        PredictionFusion fusion = new PredictionFusion(channels, h, w);
        int bootSteps = (int) Math.round(s.bootstrapFraction() * s.steps());
        Bootstrap bootstrap = bootSteps > 0 && !plan.regions().isEmpty()
                ? new Bootstrap(plan.seed(), channels, loop) : null;

        long[] work = {0};
        List<Group> all = new ArrayList<>(groups.values());
        try {
            for (Group g : all) {
                int k = g.windows.size();
                float[] context = new float[copies * k * ctx];
                for (int j = 0; j < k; j++) {
                    int p = g.prompts.get(j);
                    if (guided) {
                        System.arraycopy(uncond, p * ctx, context, j * ctx, ctx);
                        System.arraycopy(cond, p * ctx, context, (k + j) * ctx, ctx);
                    } else {
                        System.arraycopy(cond, p * ctx, context, j * ctx, ctx);
                    }
                }
                // Samples are [negatives..., positives...]; each run takes the next slice of at most `cap`.
                int cap = s.maxBatch() > 0 ? s.maxBatch() : model.defaultMaxBatch(g.height * g.width);
                g.batch = new GuidedBatch(g.unet, guidance, k, channels, g.height, g.width, tokens, hidden, context, cap);
            }
            // the sampler's own noise continues the canvas's stream: a plan without regions is exactly a plain render
            loop.run(latents, (l, sigma) -> initialNoise(plan, l, channels, h, w, f, sigma), (i, timestep, scaled) -> {
                fusion.reset();
                for (Group g : all) {
                    int k = g.windows.size();
                    int crop = channels * g.height * g.width;
                    float[] input = g.batch.input();
                    for (int j = 0; j < k; j++) {
                        RegionWindow win = g.windows.get(j);
                        PredictionFusion.copyCrop(scaled, channels, h, w, win.x(), win.y(), win.width(),
                                win.height(), input, j * crop);
                        Region region = g.regions.get(j);
                        if (bootstrap != null && region != null && i < bootSteps) {
                            // prompt p is region p - 1 (prompt 0 is the background)
                            bootstrap.apply(timestep, i, input, j * crop, win, g.boxes.get(j), g.prompts.get(j) - 1);
                        }
                    }
                    float[] predicted = g.batch.predict(timestep);
                    work[0] += (long) copies * k * g.height * g.width;
                    boolean bootstrapping = bootstrap != null && i < bootSteps;
                    for (int j = 0; j < k; j++) {
                        RegionWindow win = g.windows.get(j);
                        boolean background = g.regions.get(j) == null;
                        float wt = background ? (float) backgroundScale(s, plan) : 1f;
                        // while bootstrapping, a region's margin saw a plain colour, not the canvas: its prediction
                        // there belongs to another picture and is left out
                        float[] weights = bootstrapping && !background ? g.boxWeights.get(j) : win.weights();
                        fusion.add(predicted, j * crop, win.x(), win.y(), win.width(), win.height(), weights, wt);
                    }
                }
                fusion.resolve(eps);
                return eps;
            }, (step, steps) -> progress.update("denoise", step, steps));
        } finally {
            for (Group g : all) {
                if (g.batch != null) {
                    g.batch.close();
                }
            }
        }
        RgbImage image = TiledDecoder.decode(vae, latents, channels, h, w, nativeSize);
        long naive = (long) copies * positives.size() * canvasWork * s.steps();
        int runsPerStep = all.stream().mapToInt(g -> g.batch.runs()).sum();
        return new Result(crop(image, plan.width(), plan.height()), 0, 0, work[0], naive, runsPerStep);
    }

    /** The background's weight: 1 with no regions (it alone draws the canvas), else the configured weight. */
    private static double backgroundScale(Settings s, ScenePlan plan) {
        return plan.regions().isEmpty() ? 1.0 : Math.max(1e-3, s.backgroundWeight());
    }

    /** Windows of one shape that run through one session; sessions compare by identity. */
    private record GroupKey(int height, int width, UNet unet) {
    }

    private static Group group(Map<GroupKey, Group> groups, RegionWindow win, UNet unet) {
        return groups.computeIfAbsent(new GroupKey(win.height(), win.width(), unet),
                k -> new Group(win.height(), win.width(), unet));
    }

    private Result composite(ScenePlan plan, Settings s, Progress progress, List<LoraSet> sets,
                             LoraSessions sessions) {
        ScenePlan backgroundOnly = plan.withRegions(List.of());
        Result bg = joint(backgroundOnly, s, (phase, step, steps) -> progress.update("background", step, steps),
                List.of());
        int width = plan.width(), height = plan.height();
        float[][] canvas = planes(bg.image());
        long work = bg.unetWork();
        long naive = bg.naiveUnetWork() * (plan.regions().size() + 1);
        int f = model.vaeDecoder().pixelFactor();
        int multiple = model.unetDownsampling();
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            int[] box = latentBox(r.box(), f, ceilDiv(width, f), ceilDiv(height, f));
            int margin = margin(box, s);
            RegionWindow win = RegionWeights.window(box, margin, multiple, roundUp(ceilDiv(width, f), multiple),
                    roundUp(ceilDiv(height, f), multiple), 1.0);
            int label = i + 1;
            RgbImage part;
            // one region's LoRA sessions at a time: composite mode never needs two sets resident
            try (LoraSessions.Lease lease = sets.get(i).isEmpty() ? null : sessions.lease(List.of(sets.get(i)))) {
                Text2ImagePipeline pipeline = lease == null ? new Text2ImagePipeline(model)
                        : new Text2ImagePipeline(model, lease.get(sets.get(i)).unet(),
                                lease.get(sets.get(i)).textEncoder());
                part = pipeline.render(new RenderRequest(r.prompt(), join(plan.negativePrompt(),
                                r.negativePrompt()), win.width() * f, win.height() * f, s.steps(), s.guidance(),
                                s.sampler(), r.seed()),
                        (step, steps) -> progress.update("subject " + label, step, steps)).image();
            }
            work += (long) (s.guidance() > 1 ? 2 : 1) * win.area() * s.steps();
            float[][] top = new float[3][width * height];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(canvas[c], 0, top[c], 0, width * height);
            }
            for (int y = 0; y < part.height(); y++) {
                int cy = win.y() * f + y;
                if (cy >= height) {
                    break;
                }
                for (int x = 0; x < part.width(); x++) {
                    int cx = win.x() * f + x;
                    if (cx >= width) {
                        break;
                    }
                    int p = part.rgbAt(x, y);
                    top[0][cy * width + cx] = (p >> 16) & 0xff;
                    top[1][cy * width + cx] = (p >> 8) & 0xff;
                    top[2][cy * width + cx] = p & 0xff;
                }
            }
            // The subject keeps its box; its margin fades into what is already on the canvas (never at the canvas edge).
            float[] mask = FeatherMask.around(r.box(), margin * f / 2, width, height);
            canvas = s.blend() == Blend.LAPLACIAN
                    ? LaplacianBlend.blend(canvas, top, mask, width, height, 5)
                    : LaplacianBlend.alpha(canvas, top, mask);
        }
        return new Result(toImage(canvas, width, height), 0, 0, work, naive, bg.unetBatchesPerStep());
    }

    /**
     * Initial noise: the canvas from the plan's seed, then each region's box overwritten with noise from the
     * region's own seed. Returns the canvas's generator, positioned after what it drew.
     */
    static GaussianNoise initialNoise(ScenePlan plan, float[] latents, int channels, int h, int w, int f, double sigma) {
        GaussianNoise canvas = new GaussianNoise(plan.seed());
        canvas.fill(latents, sigma);
        for (Region r : plan.regions()) {
            int[] b = latentBox(r.box(), f, w, h);
            float[] n = new float[channels * b[2] * b[3]];
            new GaussianNoise(r.seed()).fill(n, sigma);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < b[3]; y++) {
                    System.arraycopy(n, (c * b[3] + y) * b[2], latents, (c * h + b[1] + y) * w + b[0], b[2]);
                }
            }
        }
        return canvas;
    }

    /**
     * MultiDiffusion's bootstrapping: outside the box, a region's crop shows a solid colour noised to the current
     * step's level, so the region's prompt can only be drawn inside its box. The colour is random per region.
     *
     * <p>Whatever space a scheduler keeps its latent in (sigma-scaled for Euler, variance-preserving for DDIM and
     * DPM++), the UNet's input at timestep t is {@code sqrt(ac_t) x0 + sqrt(1 - ac_t) eps}, so that is what we write.
     */
    static final class Bootstrap {
        /** Stream names, so that a region's colour and its noise at any step never share a seed. */
        private static final long COLOUR = 1, NOISE = 2;
        private final long seed;
        private final int channels;
        private final DenoisingLoop loop;

        Bootstrap(long seed, int channels, DenoisingLoop loop) {
            this.seed = seed;
            this.channels = channels;
            this.loop = loop;
        }

        /** The seed of region {@code region}'s plain colour. */
        static long colourSeed(long planSeed, int region) {
            return GaussianNoise.seedOf(planSeed, COLOUR, region);
        }

        /** The seed of the noise laid over region {@code region}'s colour at step {@code step}. */
        static long noiseSeed(long planSeed, int region, int step) {
            return GaussianNoise.seedOf(planSeed, NOISE, region, step);
        }

        void apply(double timestep, int step, float[] input, int offset, RegionWindow win, int[] box, int region) {
            double ac = loop.alphaCumprodAt(timestep);
            float a = (float) Math.sqrt(ac), b = (float) Math.sqrt(1 - ac);
            GaussianNoise colour = new GaussianNoise(colourSeed(seed, region));
            GaussianNoise noise = new GaussianNoise(noiseSeed(seed, region, step));
            for (int c = 0; c < channels; c++) {
                float clean = (float) (colour.nextGaussian() * 0.5);
                for (int y = 0; y < win.height(); y++) {
                    int gy = win.y() + y;
                    for (int x = 0; x < win.width(); x++) {
                        int gx = win.x() + x;
                        boolean inside = gx >= box[0] && gx < box[0] + box[2] && gy >= box[1] && gy < box[1] + box[3];
                        float n = (float) noise.nextGaussian();
                        if (!inside) {
                            input[offset + (c * win.height() + y) * win.width() + x] = a * clean + b * n;
                        }
                    }
                }
            }
        }
    }

    /** The context margin around a latent box: the configured one, else half the box's shorter side. */
    private static int margin(int[] box, Settings s) {
        return s.margin() >= 0 ? s.margin() : Math.max(1, Math.min(box[2], box[3]) / 2);
    }

    /**
     * A box in image pixels to latent pixels {x, y, w, h}, inside the latent canvas. Position and size are rounded,
     * not floored and ceiled: a 64-pixel box stays 16 latent pixels wide wherever it stands, so equal boxes give
     * equal crops (one batch) of the size the model was trained at.
     */
    static int[] latentBox(Box b, int f, int w, int h) {
        int bw = Math.max(1, Math.min(w, Math.round(b.w() / (float) f)));
        int bh = Math.max(1, Math.min(h, Math.round(b.h() / (float) f)));
        int x0 = Math.max(0, Math.min(w - bw, Math.round(b.x() / (float) f)));
        int y0 = Math.max(0, Math.min(h - bh, Math.round(b.y() / (float) f)));
        return new int[]{x0, y0, bw, bh};
    }

    private static String join(String a, String b) {
        if (a == null || a.isBlank()) {
            return b == null ? "" : b;
        }
        return b == null || b.isBlank() ? a : a + ", " + b;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    static int roundUp(int a, int m) {
        return ceilDiv(a, m) * m;
    }

    static RgbImage crop(RgbImage image, int width, int height) {
        if (image.width() == width && image.height() == height) {
            return image;
        }
        if (image.width() < width || image.height() < height) {
            throw new ModelException("decoded image " + image.width() + "x" + image.height() + " is smaller than the "
                    + "canvas " + width + "x" + height);
        }
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            System.arraycopy(image.rgb(), y * image.width() * 3, out, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }

    static float[][] planes(RgbImage img) {
        int n = img.width() * img.height();
        float[][] p = new float[3][n];
        byte[] rgb = img.rgb();
        for (int i = 0; i < n; i++) {
            p[0][i] = rgb[3 * i] & 0xff;
            p[1][i] = rgb[3 * i + 1] & 0xff;
            p[2][i] = rgb[3 * i + 2] & 0xff;
        }
        return p;
    }

    static RgbImage toImage(float[][] p, int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = (byte) Math.max(0, Math.min(255, Math.round(p[c][i])));
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
