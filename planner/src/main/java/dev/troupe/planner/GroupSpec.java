package dev.troupe.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the rule planner understood of a request: how many subjects, who they are, which attributes
 * are fixed or mixed, where and in which style.
 *
 * @param request        the request as typed
 * @param count          number of subjects, or null when the request gives none
 * @param subjectHead    the noun for one subject ("player"), or null for people in general
 * @param subjectWords   the subject as the request says it, singular ("basketball player"), or null
 * @param fixed          dimension -> value for every subject ("gender" -> "female")
 * @param namedMixes     dimension -> the words that asked for a mix over all values ("multiracial")
 * @param explicitMixes  dimension -> the explicit terms ("60% red", "40% blue")
 * @param sceneWords     the request's scene clause ("on an indoor court"), or null
 * @param sceneId        the embedded scene the clause maps to ("court"), or null when no scene word matched
 * @param styleId        a known style ("watercolor"), or null
 * @param styleWords     the request's own style words ("in the style of klimt"), or null
 * @param layoutHint     a layout name the request suggests ("rows"), or null; an explicit layout option wins
 */
public record GroupSpec(String request, Integer count, String subjectHead, String subjectWords,
                        Map<String, String> fixed, Map<String, String> namedMixes,
                        Map<String, List<MixTerm>> explicitMixes, String sceneWords, String sceneId,
                        String styleId, String styleWords, String layoutHint) {

    public GroupSpec {
        fixed = Map.copyOf(fixed);
        namedMixes = Map.copyOf(namedMixes);
        explicitMixes = Map.copyOf(explicitMixes);
    }

    /** A spec without a layout hint (the rule parser reads none). */
    public GroupSpec(String request, Integer count, String subjectHead, String subjectWords,
                     Map<String, String> fixed, Map<String, String> namedMixes,
                     Map<String, List<MixTerm>> explicitMixes, String sceneWords, String sceneId,
                     String styleId, String styleWords) {
        this(request, count, subjectHead, subjectWords, fixed, namedMixes, explicitMixes, sceneWords, sceneId,
                styleId, styleWords, null);
    }

    /** A one-line summary of what was understood, for error messages. */
    public String understood() {
        List<String> parts = new ArrayList<>();
        if (count != null) {
            parts.add("count " + count);
        }
        if (subjectWords != null) {
            parts.add("subject '" + subjectWords + "'");
        }
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
        if (sceneWords != null) {
            parts.add("scene '" + sceneWords + "'");
        }
        if (styleId != null || styleWords != null) {
            parts.add("style '" + (styleWords != null ? styleWords : styleId) + "'");
        }
        return parts.isEmpty() ? "nothing" : String.join(", ", parts).toLowerCase(Locale.ROOT);
    }
}
