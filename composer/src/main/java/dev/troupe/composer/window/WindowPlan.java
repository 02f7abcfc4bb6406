package dev.troupe.composer.window;

import dev.troupe.renderer.UNet;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the UNet runs on a scene's latent canvas at every step of joint mode: the background prompt over the canvas
 * in overlapping tiles of the model's native size ({@link CanvasTiles}), each region's prompt on its box plus a
 * context margin ({@link RegionWeights}), so a region costs in proportion to its area. Windows of one shape and one
 * UNet session (LoRA set) form a {@link WindowGroup}, one UNet batch.
 *
 * @param groups   in the order first seen: the tiles' group(s), then the regions' in plan order
 * @param tileArea latent pixels the tiles cover (the cost of one prompt over the whole canvas)
 */
public record WindowPlan(List<WindowGroup> groups, long tileArea) {

    /** Windows of one shape that run through one session; sessions compare by identity. */
    private record Key(int height, int width, UNet unet) {
    }

    /**
     * @param margin      the context margin in latent pixels; negative: half each box's shorter side
     * @param background  the session the tiles run through (the model's own)
     * @param regionUNets per region, the session its crop runs through (its LoRA set's, or the model's own)
     */
    public static WindowPlan of(ScenePlan plan, LatentCanvas canvas, int margin, UNet background,
                                List<UNet> regionUNets) {
        Map<Key, List<PromptWindow>> groups = new LinkedHashMap<>();
        long tileArea = 0;
        int tile = canvas.nativeSize();
        for (RegionWindow t : CanvasTiles.cover(canvas.width(), canvas.height(), tile, tile / 4)) {
            add(groups, background, PromptWindow.tile(t));
            tileArea += t.area();
        }
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            int[] box = canvas.box(r.box());
            RegionWindow window = RegionWeights.window(box, LatentCanvas.margin(box, margin), canvas.multiple(),
                    canvas.width(), canvas.height(), r.weight());
            add(groups, regionUNets.get(i), PromptWindow.region(i, window, box));
        }
        List<WindowGroup> out = new ArrayList<>();
        groups.forEach((key, windows) -> out.add(new WindowGroup(key.height(), key.width(), key.unet(), windows)));
        return new WindowPlan(out, tileArea);
    }

    private static void add(Map<Key, List<PromptWindow>> groups, UNet unet, PromptWindow w) {
        groups.computeIfAbsent(new Key(w.window().height(), w.window().width(), unet), k -> new ArrayList<>()).add(w);
    }
}
