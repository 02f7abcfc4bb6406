package dev.troupe.scene;

import java.util.List;

/**
 * The contract between planning and rendering: everything needed to draw one scene.
 *
 * @param version        plan format version ({@link #CURRENT_VERSION})
 * @param request        the request the plan was made from, if any (informational)
 * @param width          canvas width in image pixels
 * @param height         canvas height in image pixels
 * @param background     the background prompt, drawn over the whole canvas
 * @param negativePrompt the global negative prompt
 * @param seed           the global seed (background noise, and the source of region seeds)
 * @param model          model reference: "embedded" or a model directory
 * @param profile        the prompt profile the prompts were written for ("embedded", "sd15")
 * @param layout         the layout that placed the boxes ("row", "rows", "grid", "arc", or "manual")
 * @param regions        the subjects; empty for a plain single-prompt image
 */
public record ScenePlan(int version, String request, int width, int height, String background,
                        String negativePrompt, long seed, String model, String profile, String layout,
                        List<Region> regions) {

    /** Version 2 added {@link Region#group()}; version 1 plans are read as they are. */
    public static final int CURRENT_VERSION = 2;
    /** The versions this Troupe reads. */
    public static final List<Integer> READABLE_VERSIONS = List.of(1, 2);

    /** Missing optional parts get their documented defaults, so a hand-written plan can stay short. */
    public ScenePlan {
        request = request == null ? "" : request;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        model = model == null ? "embedded" : model;
        profile = profile == null ? "embedded" : profile;
        layout = layout == null ? "manual" : layout;
        regions = regions == null ? List.of() : List.copyOf(regions);
    }
}
