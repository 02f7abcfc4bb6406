package dev.troupe.composer.memory;

import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses, before anything is loaded or drawn, a render whose {@link SceneMemory} estimate exceeds the memory
 * available, with one line that names the estimate, the memory available and what would fit: a lower
 * {@code --max-batch} when the user set one, else the largest canvas of the same shape. The batch cap is already
 * chosen from the memory available when the user does not set it, so what remains is the canvas.
 */
public final class MemoryCheck {
    private MemoryCheck() {
    }

    /** The problem, or null when the render fits in {@code available} bytes. */
    public static String problem(ModelDirectory dir, ScenePlan plan, SceneMemory.Settings s, long available) {
        SceneMemory.Model model = SceneMemory.Model.of(dir); // read once: whatFits estimates many canvases
        SceneMemory estimate = SceneMemory.estimate(model, plan, s, available);
        if (estimate.total() <= available) {
            return null;
        }
        return "drawing this scene needs " + estimate.describe() + ", more than the " + SceneMemory.gigabytes(available)
                + " of memory available; " + whatFits(model, plan, s, available, estimate);
    }

    /** @throws UserInputException when the render does not fit (see {@link #problem}) */
    public static void require(ModelDirectory dir, ScenePlan plan, SceneMemory.Settings s, long available) {
        String problem = problem(dir, plan, s, available);
        if (problem != null) {
            throw new UserInputException(problem);
        }
    }

    private static String whatFits(SceneMemory.Model model, ScenePlan plan, SceneMemory.Settings s, long available,
                                   SceneMemory estimate) {
        if (s.maxBatch() > 1) {
            for (int cap = s.maxBatch() - 1; cap >= 1; cap--) {
                SceneMemory.Settings lower = new SceneMemory.Settings(s.mode(), s.margin(), s.guidanceCopies(), cap);
                if (SceneMemory.estimate(model, plan, lower, available).total() <= available) {
                    return "it fits with --max-batch " + cap + " (or 0, chosen from the memory available)";
                }
            }
        }
        // the largest width (a multiple of 32) whose plan, scaled to it, fits; the height keeps the shape
        int lo = 0, hi = plan.width() / 32 - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (fits(model, scaled(plan, mid * 32), s, available)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0) {
            return "even the smallest canvas would need " + SceneMemory.gigabytes(SceneMemory.estimate(model,
                    scaled(plan, 32), s, available).total()) + " (the model's files take "
                    + SceneMemory.gigabytes(estimate.weights()) + "): free memory, or use a smaller export of the model";
        }
        ScenePlan fits = scaled(plan, lo * 32);
        return "a canvas of " + fits.width() + "x" + fits.height() + " would fit: plan the scene again with --size "
                + fits.width() + "x" + fits.height() + ", or free memory";
    }

    private static boolean fits(SceneMemory.Model model, ScenePlan plan, SceneMemory.Settings s, long available) {
        return SceneMemory.estimate(model, plan, s, available).total() <= available;
    }

    /** The plan on a canvas {@code width} wide (the height in proportion, a multiple of 32), boxes scaled alike. */
    static ScenePlan scaled(ScenePlan plan, int width) {
        double k = width / (double) plan.width();
        int height = Math.max(32, (int) Math.round(plan.height() * k / 32) * 32);
        List<Region> regions = new ArrayList<>();
        for (Region r : plan.regions()) {
            Box b = r.box();
            int w = Math.max(1, (int) Math.round(b.w() * k)), h = Math.max(1, (int) Math.round(b.h() * k));
            int x = Math.min(width - w, (int) Math.round(b.x() * k)), y = Math.min(height - h, (int) Math.round(b.y() * k));
            regions.add(r.withBox(new Box(Math.max(0, x), Math.max(0, y), Math.min(w, width), Math.min(h, height))));
        }
        return plan.withSize(width, height).withRegions(regions);
    }
}
