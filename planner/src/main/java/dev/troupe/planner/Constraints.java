package dev.troupe.planner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a request asks of the attributes of one part of the group, or of the whole group.
 *
 * @param fixed         dimension -> the value every subject of the part has ("gender" -> "female")
 * @param namedMixes    dimension -> the words that asked for a mix over all its values ("multiracial")
 * @param explicitMixes dimension -> the explicit terms ("60% red", "two of them", "the rest")
 */
public record Constraints(Map<String, String> fixed, Map<String, String> namedMixes,
                          Map<String, List<MixTerm>> explicitMixes) {

    public static final Constraints NONE = new Constraints(Map.of(), Map.of(), Map.of());

    public Constraints {
        fixed = Collections.unmodifiableMap(new LinkedHashMap<>(fixed));
        namedMixes = Collections.unmodifiableMap(new LinkedHashMap<>(namedMixes));
        Map<String, List<MixTerm>> terms = new LinkedHashMap<>();
        explicitMixes.forEach((dim, list) -> terms.put(dim, List.copyOf(list)));
        explicitMixes = Collections.unmodifiableMap(terms);
    }

    public boolean isEmpty() {
        return fixed.isEmpty() && namedMixes.isEmpty() && explicitMixes.isEmpty();
    }

    /** Whether this says anything about {@code dimension}. */
    public boolean mentions(String dimension) {
        return fixed.containsKey(dimension) || namedMixes.containsKey(dimension) || explicitMixes.containsKey(dimension);
    }

    /** The same, without anything about {@code dimension}. */
    public Constraints without(String dimension) {
        Map<String, String> f = new LinkedHashMap<>(fixed);
        Map<String, String> n = new LinkedHashMap<>(namedMixes);
        Map<String, List<MixTerm>> e = new LinkedHashMap<>(explicitMixes);
        f.remove(dimension);
        n.remove(dimension);
        e.remove(dimension);
        return new Constraints(f, n, e);
    }

    /** One phrase per statement, sorted by dimension: "gender=female", "skin mix ('multiracial')", "top mix (60% red, the rest blue)". */
    public List<String> describe() {
        List<String> parts = new ArrayList<>();
        fixed.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
        namedMixes.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> parts.add(e.getKey() + " mix ('" + e.getValue() + "')"));
        explicitMixes.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            List<String> terms = new ArrayList<>();
            for (MixTerm t : e.getValue()) {
                terms.add(t.phrase());
            }
            parts.add(e.getKey() + " mix (" + String.join(", ", terms) + ")");
        });
        return parts;
    }
}
