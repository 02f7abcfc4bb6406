package dev.troupe.scene;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checks a schema cannot express: boxes inside the canvas, limited overlap, unique ids, finite
 * weights. Run on every plan that is read and every plan that is written.
 */
public final class PlanValidator {

    /**
     * Two boxes may share at most this fraction of the smaller box. Beyond it the two subjects fight
     * over the same pixels and one of them is lost; the planner's layouts stay well below.
     */
    public static final double MAX_OVERLAP = 0.5;

    /** Canvas sides are multiples of this, so that every latent size (1/8 of the image) is whole; the renderer pads the latent canvas further to what its UNet needs. */
    public static final int CANVAS_STEP = 8;

    /**
     * The most subjects one plan may hold. Each region adds its prompt's embeddings and a UNet crop of its own at
     * every step, so memory and time grow with the count; at this many the boxes of a full-size canvas are already
     * near the smallest a subject can be drawn in (64 px on SD). The planner stops at 50; larger crowds are drawn
     * as several scenes, or as a background prompt ("a crowd").
     */
    public static final int MAX_REGIONS = 128;

    private PlanValidator() {
    }

    /** A plan of a version this Troupe does not read ({@link ScenePlan#READABLE_VERSIONS}). */
    static PlanException unknownVersion(Object version) {
        return new PlanException("unknown plan version " + version + "; this Troupe reads versions "
                + ScenePlan.READABLE_VERSIONS.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(" and "))
                + " (make the plan again with 'troupe plan')");
    }

    /** Overlap of two boxes as a fraction of the smaller one's area, 0..1. */
    public static double overlapFraction(Box a, Box b) {
        long smaller = Math.min(a.area(), b.area());
        return smaller <= 0 ? 0 : (double) a.intersectionArea(b) / smaller;
    }

    /** @throws PlanException naming the first problem found and how to fix it */
    public static void validate(ScenePlan plan) {
        if (!ScenePlan.READABLE_VERSIONS.contains(plan.version())) {
            throw unknownVersion(plan.version());
        }
        checkSide("width", plan.width());
        checkSide("height", plan.height());
        requireText(plan.background(), "background");
        requireNotNull(plan.request(), "request");
        requireNotNull(plan.negativePrompt(), "negativePrompt");
        requireText(plan.model(), "model");
        requireText(plan.profile(), "profile");
        requireText(plan.layout(), "layout");
        checkLoras(plan.loras(), "loras");
        List<Region> regions = plan.regions();
        if (regions.size() > MAX_REGIONS) {
            throw new PlanException("regions: " + regions.size() + " subjects, more than the " + MAX_REGIONS
                    + " one plan may hold (each adds a UNet crop at every step, so memory and time grow with them); "
                    + "split the scene into several plans, or describe the crowd in the background prompt");
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < regions.size(); i++) {
            Region region = regions.get(i);
            String where = "regions[" + i + "]";
            if (region == null) {
                throw new PlanException(where + ": is null; remove it or describe a region");
            }
            if (region.id() == null || region.id().isBlank()) {
                throw new PlanException(where + ".id: must not be empty");
            }
            where = where + " (" + region.id() + ")";
            if (region.group() != null && plan.version() < 2) {
                throw new PlanException(where + ": 'group' needs plan version 2; set \"version\": 2");
            }
            if (region.group() != null && region.group().isBlank()) {
                throw new PlanException(where + ".group: must not be empty; leave it out for no group");
            }
            if (!ids.add(region.id())) {
                throw new PlanException(where + ": duplicate id '" + region.id() + "'; every region needs its own id");
            }
            checkRegion(plan, region, where);
        }
        for (int i = 0; i < regions.size(); i++) {
            for (int j = i + 1; j < regions.size(); j++) {
                double overlap = overlapFraction(regions.get(i).box(), regions.get(j).box());
                if (overlap > MAX_OVERLAP) {
                    throw new PlanException(String.format(Locale.ROOT,
                            "regions %s and %s overlap by %.0f%% of the smaller box; at most %.0f%% is allowed: move or shrink one",
                            regions.get(i).id(), regions.get(j).id(), overlap * 100, MAX_OVERLAP * 100));
                }
            }
        }
    }

    private static void checkRegion(ScenePlan plan, Region region, String where) {
        Box box = region.box();
        if (box == null) {
            throw new PlanException(where + ": missing field 'box'");
        }
        if (box.w() <= 0 || box.h() <= 0) {
            throw new PlanException(where + ".box: width and height must be positive, got " + box.w() + "x" + box.h());
        }
        if (!box.inside(plan.width(), plan.height())) {
            throw new PlanException(where + ".box: " + describe(box) + " reaches outside the "
                    + plan.width() + "x" + plan.height() + " canvas; move it inside or enlarge the canvas");
        }
        requireNotNull(region.prompt(), where + ".prompt");
        requireNotNull(region.negativePrompt(), where + ".negativePrompt");
        if (!Double.isFinite(region.weight()) || region.weight() < 0) {
            throw new PlanException(where + ".weight: must be a finite number >= 0, got " + region.weight());
        }
        for (Map.Entry<String, String> attribute : region.attributes().entrySet()) {
            if (attribute.getKey() == null || attribute.getKey().isBlank() || attribute.getValue() == null
                    || attribute.getValue().isBlank()) {
                throw new PlanException(where + ".attributes: every attribute needs a name and a value, got "
                        + attribute.getKey() + "=" + attribute.getValue());
            }
        }
        checkLoras(region.loras(), where + ".loras");
        checkVerification(region, where + ".verification");
    }

    private static void checkVerification(Region region, String where) {
        Verification v = region.verification();
        if (v == null) {
            return;
        }
        requireText(v.verifier(), where + ".verifier");
        if (v.tries() < 1 || v.seeds().size() != v.tries()) {
            throw new PlanException(where + ": 'tries' must be at least 1 and 'seeds' must list one seed per try, got "
                    + v.tries() + " tries and " + v.seeds().size() + " seeds");
        }
        for (Map.Entry<String, String> read : v.read().entrySet()) {
            if (read.getKey() == null || read.getKey().isBlank() || read.getValue() == null || read.getValue().isBlank()) {
                throw new PlanException(where + ".read: every reading needs a dimension and a value, got "
                        + read.getKey() + "=" + read.getValue());
            }
        }
    }

    private static void checkLoras(List<LoraRef> loras, String where) {
        for (int k = 0; k < loras.size(); k++) {
            LoraRef lora = loras.get(k);
            if (lora == null || lora.file() == null || lora.file().isBlank()) {
                throw new PlanException(where + "[" + k + "].file: must name a .safetensors file");
            }
            if (!Double.isFinite(lora.weight())) {
                throw new PlanException(where + "[" + k + "].weight: must be a finite number, got " + lora.weight());
            }
        }
    }

    private static void checkSide(String name, int value) {
        if (value <= 0 || value % CANVAS_STEP != 0) {
            int up = Math.max(CANVAS_STEP, (value + CANVAS_STEP - 1) / CANVAS_STEP * CANVAS_STEP);
            throw new PlanException(name + ": must be a positive multiple of " + CANVAS_STEP + ", got " + value
                    + " (use " + up + ")");
        }
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new PlanException(field + ": must not be empty");
        }
    }

    private static void requireNotNull(String value, String field) {
        if (value == null) {
            throw new PlanException(field + ": missing");
        }
    }

    static String describe(Box box) {
        return "x=" + box.x() + " y=" + box.y() + " w=" + box.w() + " h=" + box.h();
    }
}
