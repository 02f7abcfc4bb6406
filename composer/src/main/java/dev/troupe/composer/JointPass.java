package dev.troupe.composer;

import dev.troupe.composer.RegionalRenderer.Progress;
import dev.troupe.composer.RegionalRenderer.Result;
import dev.troupe.composer.RegionalRenderer.Settings;
import dev.troupe.composer.decode.TiledDecoder;
import dev.troupe.composer.fusion.PredictionFusion;
import dev.troupe.composer.predict.Bootstrap;
import dev.troupe.composer.predict.EncodedPrompts;
import dev.troupe.composer.predict.GroupPrediction;
import dev.troupe.composer.predict.WindowPredictions;
import dev.troupe.composer.window.CanvasNoise;
import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.WindowPlan;
import dev.troupe.renderer.DenoisingLoop;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.PromptEncoder;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.UNet;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.List;

/**
 * Joint mode: one latent canvas for the whole scene, in the order the data flows.
 * <ol>
 *   <li>windows: background tiles and each region's box plus margin, grouped by shape and LoRA set
 *       ({@link WindowPlan});</li>
 *   <li>prompts, encoded once ({@link EncodedPrompts});</li>
 *   <li>per step of the {@link DenoisingLoop}: each group's crops predicted in one guided UNet batch, regions
 *       bootstrapped for the first steps ({@link WindowPredictions}, {@link Bootstrap}); the predictions fused with
 *       region weights ({@link PredictionFusion}); one scheduler step for the canvas;</li>
 *   <li>the canvas decoded in tiles and cropped to the plan's size ({@link TiledDecoder}).</li>
 * </ol>
 */
final class JointPass {
    private final StableDiffusionModel model;

    JointPass(StableDiffusionModel model) {
        this.model = model;
    }

    /** @param variants per region, its LoRA sessions (null: the model's own); empty for a plan without regions */
    Result draw(ScenePlan plan, Settings s, Progress progress, List<LoraSessions.Variant> variants) {
        LatentCanvas canvas = LatentCanvas.of(model, plan.width(), plan.height());
        Guidance guidance = new Guidance(s.guidance());
        List<UNet> unets = new ArrayList<>();
        List<PromptEncoder> encoders = new ArrayList<>();
        for (LoraSessions.Variant v : variants) {
            unets.add(v == null ? model.unet() : v.unet());
            encoders.add(v != null && v.hasOwnTextEncoder() ? v.prompts() : null);
        }
        // the background alone draws a canvas without regions; with regions it yields inside their boxes
        float backgroundWeight = (float) (plan.regions().isEmpty() ? 1.0 : Math.max(1e-3, s.backgroundWeight()));
        WindowPlan windows = WindowPlan.of(plan, canvas, s.margin(), model.unet(), unets, s.trimBackground(),
                backgroundWeight);
        EncodedPrompts prompts = EncodedPrompts.encode(plan, model.promptEncoder(), encoders, guidance);

        DenoisingLoop loop = new DenoisingLoop(s.sampler(), model.schedulerConfig(), s.steps());
        Bootstrap bootstrap = Bootstrap.of(plan, canvas.channels(), s.bootstrapFraction(), loop);
        PredictionFusion fusion = new PredictionFusion(canvas.channels(), canvas.height(), canvas.width());
        float[] latents = new float[canvas.size()];
        float[] eps = new float[canvas.size()];
        int runsPerStep;
        long work;
        try (WindowPredictions predictions = new WindowPredictions(windows, canvas, prompts, guidance,
                pixels -> s.maxBatch() > 0 ? s.maxBatch() : model.defaultMaxBatch(pixels))) {
            DenoisingLoop.InitialNoise noise = (initial, sigma) -> CanvasNoise.fill(plan, canvas, initial, sigma);
            loop.run(latents, noise, (step, timestep, input) -> {
                boolean bootstrapping = bootstrap.covers(step);
                fusion.reset();
                for (GroupPrediction group : predictions.groups()) {
                    if (!group.group().runsAt(bootstrapping)) {
                        continue;
                    }
                    float[] predicted = group.predict(input, step, timestep, bootstrapping ? bootstrap : null);
                    fusion.add(group.group(), predicted, bootstrapping, backgroundWeight);
                }
                fusion.resolve(eps);
                return eps;
            }, (step, steps) -> progress.update("denoise", step, steps));
            // the steady state: after bootstrapping (the first steps may run other background windows)
            runsPerStep = predictions.runsPerStep(bootstrap.steps() >= s.steps());
            work = bootstrap.steps() * predictions.pixelsPerStep(true)
                    + (s.steps() - bootstrap.steps()) * predictions.pixelsPerStep(false);
        }
        RgbImage image = TiledDecoder.decode(model.vaeDecoder(), latents, canvas, plan.width(), plan.height());
        long naive = (long) guidance.copies() * (plan.regions().size() + 1) * windows.tileArea() * s.steps();
        return new Result(image, 0, 0, work, naive, runsPerStep);
    }
}
