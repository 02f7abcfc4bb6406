package dev.troupe.composer;

import dev.troupe.composer.RegionalRenderer.Blend;
import dev.troupe.composer.RegionalRenderer.Progress;
import dev.troupe.composer.RegionalRenderer.Result;
import dev.troupe.composer.RegionalRenderer.Settings;
import dev.troupe.composer.composite.FeatherMask;
import dev.troupe.composer.composite.LaplacianBlend;
import dev.troupe.composer.composite.PixelCanvas;
import dev.troupe.composer.predict.EncodedPrompts;
import dev.troupe.composer.predict.ScenePrompts;
import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.RegionWeights;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.List;

/**
 * Composite mode: the background drawn alone (joint mode without regions), then each region drawn alone on its box
 * plus margin ({@link Text2ImagePipeline}, with its own LoRA set) and blended in over what is already on the canvas
 * (Laplacian pyramid or feathered alpha under a {@link FeatherMask}).
 */
final class CompositePass {
    private final StableDiffusionModel model;
    private final JointPass joint;

    CompositePass(StableDiffusionModel model, JointPass joint) {
        this.model = model;
        this.joint = joint;
    }

    /** @param sets per region, its own LoRA set; {@code sessions} builds them (one set resident at a time) */
    Result draw(ScenePlan plan, Settings s, Progress progress, List<LoraSet> sets, LoraSessions sessions) {
        Result bg = joint.draw(plan.withRegions(List.of()), s,
                (phase, step, steps) -> progress.update("background", step, steps), List.of());
        int width = plan.width(), height = plan.height();
        PixelCanvas canvas = new PixelCanvas(bg.image());
        PixelCanvas.PixelBlend blend = s.blend() == Blend.LAPLACIAN
                ? (below, above, mask) -> LaplacianBlend.blend(below, above, mask, width, height, 5)
                : LaplacianBlend::alpha;
        long work = bg.unetWork();
        long naive = bg.naiveUnetWork() * (plan.regions().size() + 1);
        LatentCanvas latent = LatentCanvas.of(model, width, height);
        int f = latent.factor();
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            // the box is placed on the image's own latent size; its window may reach into the rounded-up canvas
            int[] box = latent.boxOnImage(r.box(), width, height);
            int margin = LatentCanvas.margin(box, s.margin());
            RegionWindow win = RegionWeights.window(box, margin, latent.multiple(), latent.width(), latent.height(),
                    1.0);
            int label = i + 1;
            RgbImage part;
            // one region's LoRA sessions at a time: composite mode never needs two sets resident
            try (LoraSessions.Lease lease = sets.get(i).isEmpty() ? null : sessions.lease(List.of(sets.get(i)))) {
                Text2ImagePipeline pipeline = lease == null ? new Text2ImagePipeline(model)
                        : new Text2ImagePipeline(model, lease.get(sets.get(i)).unet(),
                                lease.get(sets.get(i)).prompts());
                part = pipeline.render(new RenderRequest(r.prompt(), ScenePrompts.negative(plan, r),
                                win.width() * f, win.height() * f, s.steps(), s.guidance(), s.sampler(), r.seed()),
                        EncodedPrompts.microConditioning(win, latent), // SDXL: the crop of the canvas it is
                        (step, steps) -> progress.update("subject " + label, step, steps)).image();
            }
            work += (long) new Guidance(s.guidance()).copies() * win.area() * s.steps();
            // The subject keeps its box; its margin fades into what is already on the canvas (never at the canvas
            // edge).
            canvas.blendIn(part, win.x() * f, win.y() * f, FeatherMask.around(r.box(), margin * f / 2, width, height),
                    blend);
        }
        return new Result(canvas.image(), 0, 0, work, naive, bg.unetBatchesPerStep());
    }
}
