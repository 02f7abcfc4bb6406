package dev.troupe.scene;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * @param loras          LoRAs for the whole image (background and every subject), merged into the model; files
 *                       relative to the plan file, or absolute. Written only when there are some.
 */
public record ScenePlan(int version, String request, int width, int height, String background,
                        String negativePrompt, long seed, String model, String profile, String layout,
                        List<Region> regions, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<LoraRef> loras) {

    /** Version 2 added {@link Region#group()} and {@link #loras()}; version 1 plans are read as they are. */
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
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    /** A plan without whole-image LoRAs. */
    public ScenePlan(int version, String request, int width, int height, String background, String negativePrompt,
                     long seed, String model, String profile, String layout, List<Region> regions) {
        this(version, request, width, height, background, negativePrompt, seed, model, profile, layout, regions,
                List.of());
    }

    /** This plan drawn with another model and whole-image LoRAs. */
    public ScenePlan withModel(String model, List<LoraRef> loras) {
        return new ScenePlan(version, request, width, height, background, negativePrompt, seed, model, profile,
                layout, regions, loras);
    }

    /** This plan with other regions (the same canvas, model and LoRAs). */
    public ScenePlan withRegions(List<Region> regions) {
        return new ScenePlan(version, request, width, height, background, negativePrompt, seed, model, profile,
                layout, regions, loras);
    }

    /** This plan on a canvas of another size (the boxes as they are). */
    public ScenePlan withSize(int width, int height) {
        return new ScenePlan(version, request, width, height, background, negativePrompt, seed, model, profile,
                layout, regions, loras);
    }

    /** This plan with no region's verification record: what a render that does not verify writes. */
    public ScenePlan withoutVerification() {
        return regions.stream().allMatch(r -> r.verification() == null) ? this
                : withRegions(regions.stream().map(r -> r.withVerification(null)).toList());
    }

    /** This plan with another global seed. */
    public ScenePlan withSeed(long seed) {
        return new ScenePlan(version, request, width, height, background, negativePrompt, seed, model, profile,
                layout, regions, loras);
    }
}
