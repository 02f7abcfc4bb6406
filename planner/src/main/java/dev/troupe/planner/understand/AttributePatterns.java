package dev.troupe.planner.understand;

import dev.troupe.planner.Dimension;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches the attribute phrases of {@code requests.yaml} on a sentence: patterns ("{top} {top_kind}", "with
 * {glasses}") and bare value words ("blue"), telling which dimension a bare word is about from the noun after it
 * ("50% red and 50% yellow jerseys": 'red' is a top colour).
 */
final class AttributePatterns {

    /** What matched: the token after it, and dimension -> value in pattern order. */
    record Match(int end, Map<String, String> values) {
    }

    private final RequestWords w;

    AttributePatterns(RequestWords words) {
        this.w = words;
    }

    /** The longest pattern that matches free tokens from {@code i}, or null. */
    Match patternAt(Sentence s, int i) {
        Match best = null;
        for (List<RequestWords.PatternElement> pattern : w.patterns) {
            Match m = match(s, pattern, 0, i, new LinkedHashMap<>(), pattern.size() == 1);
            if (m != null && (best == null || m.end > best.end) && !colourOfAnotherNoun(s, pattern, m)) {
                best = m;
            }
        }
        return best;
    }

    /**
     * "in green fields", "in red dresses": a pattern that ends in a bare colour ("in {top}") does not hold when a
     * noun follows that the colour is about, unless that noun is a garment.
     */
    private boolean colourOfAnotherNoun(Sentence s, List<RequestWords.PatternElement> pattern, Match m) {
        RequestWords.PatternElement last = pattern.get(pattern.size() - 1);
        if (pattern.size() < 2 || !last.isSlot() || !w.colourNouns.containsKey(last.dimension()) || m.end >= s.size()
                || !s.free(m.end) || s.isPunctuation(m.end)) {
            return false;
        }
        String next = s.at(m.end);
        if (next.endsWith("ing") && !w.ingNouns.contains(next)) {
            return false; // "runners in white crossing the line": a verb follows, the colour is worn
        }
        // "in blue shorts", "in black skirts": the colour is the garment's, read with it; "in red dresses": the top's
        return !w.stopwords.contains(next) && (!w.wornOrCarried.contains(next) || colourNounAt(s, m.end) != null);
    }

    private Match match(Sentence s, List<RequestWords.PatternElement> pattern, int e, int pos, Map<String, String> assigned,
                        boolean alone) {
        if (e == pattern.size()) {
            return new Match(pos, new LinkedHashMap<>(assigned));
        }
        if (pos >= s.size() || !s.free(pos)) {
            return null;
        }
        RequestWords.PatternElement element = pattern.get(e);
        if (!element.isSlot()) {
            return element.literal().equals(s.at(pos)) ? match(s, pattern, e + 1, pos + 1, assigned, alone) : null;
        }
        Dimension d = w.dimensions.get(element.dimension());
        Match best = null;
        boolean affixed = !element.prefix().isEmpty() || !element.suffix().isEmpty();
        for (List<String> words : w.slotWords(element.dimension(), alone && !affixed)) {
            int end;
            if (affixed) {
                if (words.size() != 1 || !s.at(pos).equals(element.prefix() + words.get(0) + element.suffix())) {
                    continue;
                }
                end = pos + 1;
            } else if (s.matches(words, pos)) {
                end = pos + words.size();
            } else {
                continue;
            }
            Map<String, String> next = new LinkedHashMap<>(assigned);
            next.put(d.name(), d.valueForWord(String.join(" ", words)));
            Match m = match(s, pattern, e + 1, end, next, alone);
            if (m != null && (best == null || m.end > best.end)) {
                best = m;
            }
        }
        return best;
    }

    /** A bare value word at i, of any dimension: dimension -> (value, end). Empty when there is none. */
    Map<String, Match> valuesAt(Sentence s, int i) {
        Map<String, Match> out = new LinkedHashMap<>();
        for (Dimension d : w.dimensions.values()) {
            List<String> longest = null;
            for (List<String> words : w.slotWords(d.name(), false)) {
                if (s.matches(words, i) && (longest == null || words.size() > longest.size())) {
                    longest = words;
                }
            }
            if (longest != null) {
                out.put(d.name(), new Match(i + longest.size(), Map.of(d.name(), d.valueForWord(String.join(" ", longest)))));
            }
        }
        return out;
    }

    /**
     * Which of the candidate dimensions a bare value is about: the one a noun after it names ("jerseys": top),
     * looking up to the end of the clause; else {@code preferred} when it is a candidate; else the data's order.
     */
    String dimensionOf(Sentence s, int after, List<String> candidates, String preferred) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        for (int k = after; k < s.size() && k < after + 7; k++) {
            if (s.isPunctuation(k)) {
                break;
            }
            for (Map.Entry<String, List<List<String>>> e : w.colourNouns.entrySet()) {
                for (List<String> noun : e.getValue()) {
                    if (candidates.contains(e.getKey()) && k + noun.size() <= s.size()
                            && s.t.subList(k, k + noun.size()).equals(noun)) {
                        return e.getKey();
                    }
                }
            }
        }
        if (preferred != null && candidates.contains(preferred)) {
            return preferred;
        }
        for (String d : w.bareValueOrder) {
            if (candidates.contains(d)) {
                return d;
            }
        }
        return candidates.get(0);
    }

    /** The dimension whose colour noun stands at i ("jerseys" -> top), or null. */
    String colourNounAt(Sentence s, int i) {
        for (Map.Entry<String, List<List<String>>> e : w.colourNouns.entrySet()) {
            for (List<String> noun : e.getValue()) {
                if (s.matches(noun, i)) {
                    return e.getKey();
                }
            }
        }
        return null;
    }
}
