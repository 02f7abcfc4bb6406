package dev.troupe.planner.assign;

import dev.troupe.planner.Constraints;
import dev.troupe.planner.Dimension;
import dev.troupe.planner.Distribution;
import dev.troupe.planner.MixTerm;
import dev.troupe.planner.RequestException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Assigns attribute values to the subjects of a group made of parts ("two doctors and three nurses"), so that every
 * statement lands exactly:
 * <ol>
 *   <li>each part's own statements ("three diverse nurses") are apportioned over that part's subjects;</li>
 *   <li>what is said of the whole group ("all of them diverse", "half of them women") is apportioned over the
 *       subjects whose part does not set that attribute itself, and assigned together with the parts' values, so
 *       that it is balanced against them (skin tones spread over doctors and nurses alike);</li>
 *   <li>a mix given as an option ({@code --mix}) replaces whatever the request says of that attribute, over all;</li>
 *   <li>a fill (a batch quota's share for this scene) gives exact counts to the subjects nothing above decides.</li>
 * </ol>
 * The count of every value in every scope is apportioned with a seed of its own (scope and dimension), so the counts
 * of one attribute never depend on what is asked of another (a batch can read them ahead of planning).
 */
public final class GroupAssignment {

    /** One part's statements, and which subjects are in it. */
    public record Part(String label, Constraints constraints, List<Integer> subjects) {
    }

    /**
     * What one scope aimed for in one dimension, and what it got.
     *
     * @param scope        a part's label, or null for the whole group
     * @param size         the subjects the distribution is over
     * @param distribution the shares aimed for
     * @param counts       the apportioned count of each value (each the floor or the ceiling of share x size)
     * @param realized     the count of each value among those subjects after assignment (differs only where a
     *                     per-subject override took a slot)
     */
    public record Target(String scope, String dimension, int size, Distribution distribution,
                         Map<String, Integer> counts, Map<String, Integer> realized) {
    }

    /** Per subject, dimension -> value (dimensions in the data's order), and every target. */
    public record Result(List<Map<String, String>> subjects, List<Target> targets) {
    }

    private GroupAssignment() {
    }

    /**
     * @param dimensions  every dimension, in the data's order
     * @param n           the number of subjects
     * @param parts       the parts, whose subject lists together cover 0..n-1
     * @param whole       what is said of the whole group
     * @param optionMixes dimension -> distribution over all subjects, replacing the request's statements
     * @param overrides   subject -> dimension -> value, set whatever the mixes say
     * @param fills       dimension -> value -> count for the subjects that nothing else gives a value of it
     */
    public static Result assign(Map<String, Dimension> dimensions, int n, List<Part> parts, Constraints whole,
                                Map<String, Distribution> optionMixes, Map<Integer, Map<String, String>> overrides,
                                Map<String, Map<String, Integer>> fills, long seed) {
        List<Map<String, String>> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            subjects.add(new LinkedHashMap<>());
        }
        List<Scope> scopes = new ArrayList<>();
        // 1. each part on its own
        for (Part part : parts) {
            List<AttributeSampler.Target> targets = new ArrayList<>();
            int size = part.subjects().size();
            for (Dimension d : dimensions.values()) {
                if (optionMixes.containsKey(d.name()) || !part.constraints().mentions(d.name()) || size == 0) {
                    continue;
                }
                Distribution distribution = distribution(d, part.constraints(), size);
                Map<String, Integer> counts = Apportionment.largestRemainder(size, distribution,
                        new Random(Seeds.mix(seed, "part:" + part.label() + "/" + d.name())));
                targets.add(new AttributeSampler.Target(d.name(), distribution, counts));
                scopes.add(new Scope(part.label(), d.name(), part.subjects(), distribution, counts));
            }
            if (targets.isEmpty()) {
                continue;
            }
            Map<Integer, Map<String, String>> local = new LinkedHashMap<>();
            for (int k = 0; k < size; k++) {
                Map<String, String> o = overrides.get(part.subjects().get(k));
                if (o != null) {
                    local.put(k, o);
                }
            }
            AttributeSampler.Assignment a = AttributeSampler.assign(size, targets, local,
                    Seeds.mix(seed, "part:" + part.label()));
            for (int k = 0; k < size; k++) {
                subjects.get(part.subjects().get(k)).putAll(a.subjects().get(k));
            }
        }
        // 2. the whole group, with the parts' values held where they are
        List<AttributeSampler.Target> targets = new ArrayList<>();
        boolean any = false;
        for (Dimension d : dimensions.values()) {
            String dim = d.name();
            List<Integer> eligible = new ArrayList<>();
            Map<String, Integer> pinned = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String v = subjects.get(i).get(dim);
                if (v == null) {
                    eligible.add(i);
                } else {
                    pinned.merge(v, 1, Integer::sum);
                }
            }
            Distribution distribution;
            if (fills.containsKey(dim) && !optionMixes.containsKey(dim) && !whole.mentions(dim)) {
                List<Integer> open = new ArrayList<>();
                for (int i : eligible) {
                    String forced = overrides.getOrDefault(i, Map.of()).get(dim);
                    if (forced == null) {
                        open.add(i);
                    } else {
                        pinned.merge(forced, 1, Integer::sum);
                    }
                }
                Map<String, Integer> fill = new LinkedHashMap<>(); // in the dimension's value order, whatever the caller's
                d.values().keySet().forEach(v -> fill.put(v, fills.get(dim).getOrDefault(v, 0)));
                int given = fill.values().stream().mapToInt(Integer::intValue).sum();
                if (given != open.size()) {
                    throw new IllegalArgumentException("the fill of " + dim + " gives " + given + " values for "
                            + open.size() + " subjects that nothing else decides");
                }
                if (open.isEmpty()) {
                    continue;
                }
                any = true;
                scopes.add(new Scope("batch quota", dim, open, weights(fill), fill));
                Map<String, Integer> together = new LinkedHashMap<>(fill);
                pinned.forEach((v, c) -> together.merge(v, c, Integer::sum));
                targets.add(new AttributeSampler.Target(dim, weights(together), together));
                continue;
            }
            if (optionMixes.containsKey(dim)) {
                distribution = optionMixes.get(dim);
            } else if (whole.mentions(dim) && !eligible.isEmpty()) {
                distribution = distribution(d, whole, eligible.size());
            } else {
                if (eligible.isEmpty() && n > 0) {
                    // every part set it: keep it in the sampler's order, so later dimensions balance against it
                    targets.add(new AttributeSampler.Target(dim, weights(pinned), pinned));
                }
                continue;
            }
            any = true;
            Map<String, Integer> counts = Apportionment.largestRemainder(eligible.size(), distribution,
                    new Random(Seeds.mix(seed, "all/" + dim)));
            scopes.add(new Scope(null, dim, eligible, distribution, counts));
            Map<String, Integer> together = new LinkedHashMap<>(counts);
            pinned.forEach((v, c) -> together.merge(v, c, Integer::sum));
            targets.add(new AttributeSampler.Target(dim, weights(together), together));
        }
        if (any) {
            Map<Integer, Map<String, String>> held = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Map<String, String> o = new LinkedHashMap<>(subjects.get(i));
                o.putAll(overrides.getOrDefault(i, Map.of()));
                if (!o.isEmpty()) {
                    held.put(i, o);
                }
            }
            AttributeSampler.Assignment a = AttributeSampler.assign(n, targets, held, Seeds.mix(seed, 0x7A11L));
            for (int i = 0; i < n; i++) {
                subjects.get(i).putAll(a.subjects().get(i));
            }
        }
        // overrides of dimensions no statement was about; then one order for every subject: the data's
        List<Map<String, String>> ordered = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> values = subjects.get(i);
            values.putAll(overrides.getOrDefault(i, Map.of()));
            Map<String, String> inOrder = new LinkedHashMap<>();
            for (String dim : dimensions.keySet()) {
                if (values.containsKey(dim)) {
                    inOrder.put(dim, values.get(dim));
                }
            }
            ordered.add(Collections.unmodifiableMap(inOrder));
        }
        List<Target> report = new ArrayList<>();
        for (Scope sc : scopes) {
            Map<String, Integer> realized = new LinkedHashMap<>();
            sc.distribution.shares().keySet().forEach(v -> realized.put(v, 0));
            for (int i : sc.subjects) {
                String v = ordered.get(i).get(sc.dimension);
                if (v != null) {
                    realized.merge(v, 1, Integer::sum);
                }
            }
            report.add(new Target(sc.label, sc.dimension, sc.subjects.size(), sc.distribution,
                    Collections.unmodifiableMap(sc.counts), Collections.unmodifiableMap(realized)));
        }
        return new Result(List.copyOf(ordered), List.copyOf(report));
    }

    private record Scope(String label, String dimension, List<Integer> subjects, Distribution distribution,
                         Map<String, Integer> counts) {
    }

    private static Distribution weights(Map<String, Integer> counts) {
        Map<String, Double> w = new LinkedHashMap<>();
        counts.forEach((v, c) -> w.put(v, (double) c));
        return new Distribution(w);
    }

    /** What a scope's statements ask of one dimension, as shares over its values, for a scope of {@code n}. */
    public static Distribution distribution(Dimension d, Constraints c, int n) {
        if (c.fixed().containsKey(d.name())) {
            return Distribution.single(c.fixed().get(d.name()));
        }
        if (c.explicitMixes().containsKey(d.name())) {
            return resolve(d, c.explicitMixes().get(d.name()), n);
        }
        return d.defaultMix();
    }

    /** Explicit terms ("60% red", "two of them", "the rest") to a distribution over all values. */
    static Distribution resolve(Dimension d, List<MixTerm> terms, int n) {
        Map<String, Double> shares = new LinkedHashMap<>();
        d.values().keySet().forEach(v -> shares.put(v, 0.0));
        String rest = null;
        double sum = 0;
        List<String> phrases = new ArrayList<>();
        for (MixTerm term : terms) {
            if (!phrases.contains("'" + term.phrase() + "'")) {
                phrases.add("'" + term.phrase() + "'");
            }
            switch (term.kind()) {
                case SHARE -> {
                    shares.merge(term.value(), term.amount(), Double::sum);
                    sum += term.amount();
                }
                case COUNT -> {
                    if (term.amount() > n) {
                        throw new RequestException("'" + term.phrase() + "' asks for " + (int) term.amount()
                                + " subjects, but the group has " + n + "; ask for at most " + n);
                    }
                    shares.merge(term.value(), term.amount() / n, Double::sum);
                    sum += term.amount() / n;
                }
                case REST -> rest = term.value();
            }
        }
        String asked = String.join(" and ", phrases);
        if (sum > 1 + 1e-9) {
            throw new RequestException(String.format(Locale.ROOT,
                    "%s ask for %.0f%% of the group in %s; shares of one attribute add up to at most 100%%",
                    asked, sum * 100, d.name()));
        }
        double remainder = Math.max(0, 1 - sum);
        if (remainder > 1e-9) {
            if (rest != null) {
                shares.merge(rest, remainder, Double::sum);
            } else {
                Map<String, Double> others = new LinkedHashMap<>();
                double weight = 0;
                for (String v : d.values().keySet()) {
                    boolean named = terms.stream().anyMatch(t -> t.value().equals(v));
                    if (!named && d.defaultMix().share(v) > 0) {
                        others.put(v, d.defaultMix().share(v));
                        weight += d.defaultMix().share(v);
                    }
                }
                if (weight == 0) {
                    throw new RequestException(String.format(Locale.ROOT,
                            "%s cover only %.0f%% of the group in %s; say who the other %.0f%% are",
                            asked, sum * 100, d.name(), remainder * 100));
                }
                for (Map.Entry<String, Double> o : others.entrySet()) {
                    shares.merge(o.getKey(), remainder * o.getValue() / weight, Double::sum);
                }
            }
        }
        return new Distribution(shares);
    }
}
