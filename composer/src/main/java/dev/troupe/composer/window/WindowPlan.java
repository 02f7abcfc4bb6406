package dev.troupe.composer.window;

import dev.troupe.composer.window.WindowGroup.Phase;
import dev.troupe.renderer.UNet;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the UNet runs on a scene's latent canvas at every step of joint mode: the background prompt over the canvas
 * in overlapping tiles of the model's native size ({@link CanvasTiles}), each region's prompt on its box plus a
 * context margin ({@link RegionWeights}), so a region costs in proportion to its area. Where the regions cover a
 * tile, the background runs on what they leave uncovered only ({@link BackgroundTrim}; with {@code trimBackground}).
 * Windows of one shape, one UNet session (LoRA set) and one phase form a {@link WindowGroup}, one UNet batch.
 *
 * @param groups   in the order first seen: the tiles' group(s), then the regions' in plan order
 * @param tileArea latent pixels the tiles cover (the cost of one prompt over the whole canvas)
 */
public record WindowPlan(List<WindowGroup> groups, long tileArea) {

    /** Windows of one shape that run through one session at the same steps; sessions compare by identity. */
    private record Key(int height, int width, UNet unet, Phase phase) {
    }

    /**
     * @param margin         the context margin in latent pixels; negative: half each box's shorter side
     * @param background     the session the tiles run through (the model's own)
     * @param regionUNets    per region, the session its crop runs through (its LoRA set's, or the model's own)
     * @param trimBackground   run the background only where the regions leave the canvas uncovered
     * @param backgroundWeight the background's weight where regions are (what it counts for where it is dropped)
     */
    public static WindowPlan of(ScenePlan plan, LatentCanvas canvas, int margin, UNet background,
                                List<UNet> regionUNets, boolean trimBackground, double backgroundWeight) {
        List<PromptWindow> regions = new ArrayList<>();
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            int[] box = canvas.box(r.box());
            RegionWindow window = RegionWeights.window(box, LatentCanvas.margin(box, margin), canvas.multiple(),
                    canvas.width(), canvas.height(), r.weight());
            regions.add(PromptWindow.region(i, window, box));
        }
        boolean trim = trimBackground && !regions.isEmpty();
        float[] boot = trim ? BackgroundTrim.coverage(regions, canvas.width(), canvas.height(), true) : null;
        float[] after = trim ? BackgroundTrim.coverage(regions, canvas.width(), canvas.height(), false) : null;
        int tile = canvas.nativeSize();
        int context = Math.max(1, tile / 8);
        float covered = BackgroundTrim.coveredFrom(backgroundWeight);
        Map<Key, List<PromptWindow>> groups = new LinkedHashMap<>();
        long tileArea = 0;
        for (RegionWindow t : CanvasTiles.cover(canvas.width(), canvas.height(), tile, tile / 4)) {
            tileArea += t.area();
            if (!trim) {
                add(groups, background, PromptWindow.tile(t), Phase.ALL);
                continue;
            }
            RegionWindow early = BackgroundTrim.trim(t, boot, covered, canvas.width(), canvas.multiple(), context);
            RegionWindow late = BackgroundTrim.trim(t, after, covered, canvas.width(), canvas.multiple(), context);
            if (same(early, late)) {
                if (early != null) {
                    add(groups, background, PromptWindow.tile(early), Phase.ALL);
                }
                continue;
            }
            if (early != null) {
                add(groups, background, PromptWindow.tile(early), Phase.BOOTSTRAP);
            }
            if (late != null) {
                add(groups, background, PromptWindow.tile(late), Phase.AFTER_BOOTSTRAP);
            }
        }
        for (int i = 0; i < regions.size(); i++) {
            add(groups, regionUNets.get(i), regions.get(i), Phase.ALL);
        }
        List<WindowGroup> out = new ArrayList<>();
        groups.forEach((key, windows) -> out.add(new WindowGroup(key.height(), key.width(), key.unet(), windows,
                key.phase())));
        return new WindowPlan(out, tileArea);
    }

    private static boolean same(RegionWindow a, RegionWindow b) {
        return a == b || a != null && b != null && a.x() == b.x() && a.y() == b.y() && a.width() == b.width()
                && a.height() == b.height() && Arrays.equals(a.weights(), b.weights());
    }

    private static void add(Map<Key, List<PromptWindow>> groups, UNet unet, PromptWindow w, Phase phase) {
        groups.computeIfAbsent(new Key(w.window().height(), w.window().width(), unet, phase),
                k -> new ArrayList<>()).add(w);
    }
}
