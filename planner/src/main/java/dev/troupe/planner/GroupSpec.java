package dev.troupe.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a request asks for, as read by the rule reader or an LLM: the parts of the group with their counts, nouns,
 * attributes and details; what holds for the whole group; where and in which style. Counts and proportions are
 * decided from this in code ({@link PlanBuilder}), never by the reader.
 *
 * @param request    the request as typed
 * @param groups     the parts of the group in the order the request names them (at least one)
 * @param total      the size of the whole group when the request gives it apart from the parts ("a team of 7: ..."),
 *                   else null
 * @param whole      what holds for the whole group ("all of them diverse", "half of them women" after two parts);
 *                   apportioned over the subjects whose part does not set the dimension itself
 * @param sceneWords the request's scene words ("on an indoor court"), or null
 * @param sceneId    the known scene they map to ("court"), or null
 * @param styleId    a known style ("watercolor"), or null
 * @param styleWords the request's own style words ("in the style of klimt"), or null
 * @param layoutHint a layout the request asks for ("rows"), or null; an explicit layout option wins
 * @param interleave true when the request asks for the parts to mix ("mingling"): the layout then does not keep
 *                   each part together
 * @param details    free words for every subject's prompt ("cheering")
 * @param notices    what the reader could not use or had to decide, one line each, for the user
 */
public record GroupSpec(String request, List<Subgroup> groups, Integer total, Constraints whole, String sceneWords,
                        String sceneId, String styleId, String styleWords, String layoutHint, boolean interleave,
                        List<String> details, List<String> notices) {

    public GroupSpec {
        groups = List.copyOf(groups);
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a group spec needs at least one group");
        }
        whole = whole == null ? Constraints.NONE : whole;
        details = List.copyOf(details);
        notices = List.copyOf(notices);
    }

    /** A spec of one group (how the LLM's answers and simple requests read). */
    public static GroupSpec single(String request, Integer count, String head, String words, Constraints constraints,
                                   String sceneWords, String sceneId, String styleId, String styleWords,
                                   String layoutHint) {
        String label = words != null ? words : head != null ? head : "person";
        return new GroupSpec(request, List.of(new Subgroup(label, count, head, words, true, constraints, List.of())),
                null, Constraints.NONE, sceneWords, sceneId, styleId, styleWords, layoutHint, false, List.of(), List.of());
    }

    /** The number of subjects the request gives: the total, or the sum of the parts; null when any is open. */
    public Integer count() {
        if (total != null) {
            return total;
        }
        int sum = 0;
        for (Subgroup g : groups) {
            if (g.count() == null) {
                return null;
            }
            sum += g.count();
        }
        return sum;
    }

    /** Whether the request or any of its parts says anything about {@code dimension}. */
    public boolean mentions(String dimension) {
        if (whole.mentions(dimension)) {
            return true;
        }
        for (Subgroup g : groups) {
            if (g.constraints().mentions(dimension)) {
                return true;
            }
        }
        return false;
    }

    /** The noun of the first group, for messages ("nurse"), or "person". */
    public String firstNoun() {
        Subgroup g = groups.get(0);
        return g.words() != null ? g.words() : g.head() != null ? g.head() : "person";
    }

    /** A one-line summary of what was understood, for error messages. */
    public String understood() {
        List<String> parts = new ArrayList<>();
        if (total != null && groups.size() > 1) {
            parts.add("count " + total);
        }
        for (Subgroup g : groups) {
            List<String> bits = new ArrayList<>();
            String noun = g.words() != null ? g.words() : g.head() != null ? g.head() : "person";
            bits.add((g.count() != null ? g.count() + " x " : groups.size() == 1 && total != null ? total + " x " : "")
                    + noun);
            bits.addAll(g.constraints().describe());
            g.details().forEach(d -> bits.add("'" + d + "'"));
            parts.add(String.join(" ", bits));
        }
        parts.addAll(whole.describe());
        if (sceneWords != null) {
            parts.add("scene '" + sceneWords + "'");
        }
        if (styleId != null || styleWords != null) {
            parts.add("style '" + (styleWords != null ? styleWords : styleId) + "'");
        }
        details.forEach(d -> parts.add("'" + d + "'"));
        return String.join(", ", parts).toLowerCase(Locale.ROOT);
    }

    /** What was understood, a line per item, for {@code --explain}. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (Subgroup g : groups) {
            String noun = g.words() != null ? g.words() : g.head() != null ? g.head() : "person";
            out.append("group  ")
                    .append(g.count() != null ? g.count() : groups.size() == 1 && total != null ? total : "open")
                    .append(" x ").append(noun).append(g.label().equals(noun) ? "" : " ('" + g.label() + "')");
            List<String> c = g.constraints().describe();
            if (!c.isEmpty()) {
                out.append("; ").append(String.join(", ", c));
            }
            if (!g.details().isEmpty()) {
                out.append("; details: ").append(String.join(", ", g.details()));
            }
            out.append('\n');
        }
        if (total != null && groups.size() > 1) {
            out.append("total  ").append(total).append('\n');
        }
        if (!whole.isEmpty()) {
            out.append("all    ").append(String.join(", ", whole.describe())).append('\n');
        }
        if (!details.isEmpty()) {
            out.append("all    details: ").append(String.join(", ", details)).append('\n');
        }
        out.append("scene  ").append(sceneWords != null ? "'" + sceneWords + "'" : "none")
                .append(sceneId != null ? " -> " + sceneId : "").append('\n');
        if (styleId != null || styleWords != null) {
            out.append("style  ").append(styleWords != null ? "'" + styleWords + "'" : styleId).append('\n');
        }
        if (layoutHint != null || interleave) {
            out.append("layout ").append(layoutHint != null ? layoutHint : "").append(interleave ? " (parts mixed)" : "")
                    .append('\n');
        }
        return out.toString();
    }
}
