package dev.troupe.planner;

import dev.troupe.planner.layout.Layout;
import dev.troupe.planner.write.Profile;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the user set besides the request. Anything set here wins over the request.
 *
 * @param seed       global seed (attribute assignment, layout jitter, region seeds)
 * @param count      number of subjects, or null to take it from the request
 * @param mixes      dimension -> distribution, replacing what the request says about that dimension
 * @param layout     layout name, or null for the default for the group size
 * @param size       canvas {width, height}, or null for the profile's native scale
 * @param profile    prompt profile name
 * @param maxOverlap most two boxes may share, as a fraction of the smaller one
 * @param overrides  subject index (0-based) -> dimension -> value, set whatever the mix says
 * @param fills      dimension -> value -> count for the subjects whose value nothing else decides (neither the
 *                   request, nor a mix, nor an override): how a batch quota shares its totals out to a scene
 */
public record PlanOptions(long seed, Integer count, Map<String, Distribution> mixes, String layout, int[] size,
                          String profile, double maxOverlap, Map<Integer, Map<String, String>> overrides,
                          Map<String, Map<String, Integer>> fills) {

    public PlanOptions {
        mixes = mixes == null ? Map.of() : Map.copyOf(mixes);
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        // kept in the caller's order: the order values are listed in is part of what a seed reproduces
        Map<String, Map<String, Integer>> ordered = new LinkedHashMap<>();
        if (fills != null) {
            fills.forEach((dim, counts) -> ordered.put(dim, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts))));
        }
        fills = java.util.Collections.unmodifiableMap(ordered);
        profile = profile == null ? Profile.DEFAULT : profile;
    }

    public PlanOptions(long seed, Integer count, Map<String, Distribution> mixes, String layout, int[] size,
                       String profile, double maxOverlap, Map<Integer, Map<String, String>> overrides) {
        this(seed, count, mixes, layout, size, profile, maxOverlap, overrides, Map.of());
    }

    /** Defaults for everything but the seed. */
    public static PlanOptions seeded(long seed) {
        return new PlanOptions(seed, null, Map.of(), null, null, Profile.DEFAULT, Layout.DEFAULT_MAX_OVERLAP, Map.of());
    }

    public PlanOptions withCount(Integer newCount) {
        return new PlanOptions(seed, newCount, mixes, layout, size, profile, maxOverlap, overrides, fills);
    }

    public PlanOptions withProfile(String newProfile) {
        return new PlanOptions(seed, count, mixes, layout, size, newProfile, maxOverlap, overrides, fills);
    }

    public PlanOptions withLayout(String newLayout) {
        return new PlanOptions(seed, count, mixes, newLayout, size, profile, maxOverlap, overrides, fills);
    }

    public PlanOptions withSize(int[] newSize) {
        return new PlanOptions(seed, count, mixes, layout, newSize, profile, maxOverlap, overrides, fills);
    }

    public PlanOptions withMaxOverlap(double newMaxOverlap) {
        return new PlanOptions(seed, count, mixes, layout, size, profile, newMaxOverlap, overrides, fills);
    }

    public PlanOptions withMix(String dimension, Distribution distribution) {
        Map<String, Distribution> next = new LinkedHashMap<>(mixes);
        next.put(dimension, distribution);
        return new PlanOptions(seed, count, next, layout, size, profile, maxOverlap, overrides, fills);
    }

    /** The counts of {@code dimension}'s values for the subjects nothing else decides (see {@link #fills}). */
    public PlanOptions withFill(String dimension, Map<String, Integer> counts) {
        Map<String, Map<String, Integer>> next = new LinkedHashMap<>(fills);
        next.put(dimension, counts);
        return new PlanOptions(seed, count, mixes, layout, size, profile, maxOverlap, overrides, next);
    }

    public PlanOptions withOverride(int subject, String dimension, String value) {
        Map<Integer, Map<String, String>> next = new LinkedHashMap<>(overrides);
        Map<String, String> one = new LinkedHashMap<>(next.getOrDefault(subject, Map.of()));
        one.put(dimension, value);
        next.put(subject, Map.copyOf(one));
        return new PlanOptions(seed, count, mixes, layout, size, profile, maxOverlap, next, fills);
    }

    /**
     * {@code N:DIM=VALUE}: subject N (from 1) gets that value whatever the mix says, as {@code --set} and a manifest
     * job's {@code set} give it.
     *
     * @param option  how the user gave it, for messages: {@code --set}, or a manifest's {@code set}
     * @param example a well-formed one as the user would write it there
     * @throws RequestException when the text is not of that form
     */
    public PlanOptions withOverride(String text, String option, String example) {
        int colon = text.indexOf(':');
        int eq = text.indexOf('=');
        if (colon <= 0 || eq < colon + 2 || eq == text.length() - 1) {
            throw new RequestException(option + " '" + text + "' needs the form N:DIM=VALUE, e.g. " + example);
        }
        int subject;
        try {
            subject = Integer.parseInt(text.substring(0, colon).strip());
        } catch (NumberFormatException e) {
            throw new RequestException(option + " '" + text + "': '" + text.substring(0, colon) + "' is not a subject number");
        }
        return withOverride(subject - 1, text.substring(colon + 1, eq).strip(), text.substring(eq + 1).strip());
    }

    /**
     * Parses {@code skin=light:1,medium:1,dark:1} (weights, any scale) into a dimension and distribution.
     *
     * @throws RequestException naming the unknown dimension or value, or the bad weight
     */
    public static Map.Entry<String, Distribution> parseMix(String text, Lexicon lexicon) {
        String example = "e.g. --mix \"skin=light:1,medium:1,dark:1\"";
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new RequestException("--mix '" + text + "' needs the form dimension=value:weight,...; " + example);
        }
        Dimension dimension = lexicon.dimension(text.substring(0, eq).strip());
        Map<String, Double> shares = new LinkedHashMap<>();
        for (String item : text.substring(eq + 1).split(",")) {
            String[] pair = item.strip().split(":");
            String value = dimension.valueForWord(pair[0].strip().toLowerCase(java.util.Locale.ROOT));
            if (value == null) {
                throw new RequestException("--mix: '" + pair[0].strip() + "' is not a value of " + dimension.name()
                        + "; values: " + String.join(", ", dimension.values().keySet()));
            }
            double weight;
            try {
                weight = pair.length == 1 ? 1.0 : Double.parseDouble(pair[1].strip());
            } catch (NumberFormatException e) {
                throw new RequestException("--mix: weight '" + pair[1].strip() + "' of " + value + " is not a number; " + example);
            }
            if (pair.length > 2 || !Double.isFinite(weight) || weight < 0) {
                throw new RequestException("--mix: weight of " + value + " must be a finite number >= 0, got '"
                        + item.strip() + "'");
            }
            shares.merge(value, weight, Double::sum);
        }
        return Map.entry(dimension.name(), new Distribution(shares));
    }

    /** The valid side nearest to {@code side}: a multiple of 32 from 32 to 16384. */
    private static int nearestSide(int side) {
        return Layout.roundUp32(Math.max(32, Math.min(16384, side)));
    }

    /** Parses "WxH" (multiples of 32) into {width, height}. */
    public static int[] parseSize(String text) {
        String[] parts = text.toLowerCase(java.util.Locale.ROOT).strip().split("x");
        try {
            if (parts.length == 2) {
                int w = Integer.parseInt(parts[0].strip());
                int h = Integer.parseInt(parts[1].strip());
                if (w < 32 || h < 32 || w > 16384 || h > 16384 || w % 32 != 0 || h % 32 != 0) {
                    throw new RequestException("--size " + text + ": width and height must be multiples of 32 between 32 and 16384, e.g. "
                            + nearestSide(w) + "x" + nearestSide(h));
                }
                return new int[] {w, h};
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new RequestException("--size '" + text + "' needs the form WIDTHxHEIGHT, e.g. 512x256");
    }
}
