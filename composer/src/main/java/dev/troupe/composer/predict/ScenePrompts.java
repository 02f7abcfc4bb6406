package dev.troupe.composer.predict;

import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.List;

/** A scene's prompts, numbered as windows refer to them: 0 is the background, i + 1 is region i. */
public final class ScenePrompts {
    private ScenePrompts() {
    }

    public static List<String> positive(ScenePlan plan) {
        List<String> prompts = new ArrayList<>();
        prompts.add(plan.background());
        plan.regions().forEach(r -> prompts.add(r.prompt()));
        return prompts;
    }

    public static List<String> negative(ScenePlan plan) {
        List<String> prompts = new ArrayList<>();
        prompts.add(plan.negativePrompt());
        plan.regions().forEach(r -> prompts.add(negative(plan, r)));
        return prompts;
    }

    /** What a region is drawn against: the plan's negative prompt, then the region's own. */
    public static String negative(ScenePlan plan, Region region) {
        String a = plan.negativePrompt(), b = region.negativePrompt();
        if (a == null || a.isBlank()) {
            return b == null ? "" : b;
        }
        return b == null || b.isBlank() ? a : a + ", " + b;
    }
}
