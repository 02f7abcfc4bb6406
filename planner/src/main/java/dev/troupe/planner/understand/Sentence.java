package dev.troupe.planner.understand;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A request as tokens, and which pass took each token. A pass takes the words it understands so that later passes
 * do not read them again; what no pass takes is left for the free details.
 */
final class Sentence {

    final String request;
    final List<String> t;
    private final String[] takenBy;

    Sentence(String request) {
        this.request = request;
        this.t = Words.tokens(request);
        this.takenBy = new String[t.size()];
    }

    int size() {
        return t.size();
    }

    String at(int i) {
        return t.get(i);
    }

    boolean free(int i) {
        return i >= 0 && i < t.size() && takenBy[i] == null;
    }

    String takenBy(int i) {
        return takenBy[i];
    }

    void take(int from, int to, String by) {
        for (int k = from; k < to; k++) {
            takenBy[k] = by;
        }
    }

    boolean isPunctuation(int i) {
        return Words.isPunctuation(t.get(i));
    }

    /** The tokens of [from, to) joined by spaces, with "60 %" written "60%". */
    String words(int from, int to) {
        return String.join(" ", t.subList(from, to)).replace(" %", "%");
    }

    /** Whether {@code phrase} stands at {@code i} on free tokens. */
    boolean matches(List<String> phrase, int i) {
        if (phrase.isEmpty() || i < 0 || i + phrase.size() > t.size()) {
            return false;
        }
        for (int k = 0; k < phrase.size(); k++) {
            if (takenBy[i + k] != null || !phrase.get(k).equals(t.get(i + k))) {
                return false;
            }
        }
        return true;
    }

    /** The longest of {@code phrases} that stands at {@code i}, or null. */
    List<String> longest(Collection<List<String>> phrases, int i) {
        List<String> best = null;
        for (List<String> p : phrases) {
            if ((best == null || p.size() > best.size()) && matches(p, i)) {
                best = p;
            }
        }
        return best;
    }

    /** The longest key of {@code phrases} that stands at {@code i}, with its value, or null. */
    <V> Map.Entry<List<String>, V> longest(Map<List<String>, V> phrases, int i) {
        Map.Entry<List<String>, V> best = null;
        for (Map.Entry<List<String>, V> e : phrases.entrySet()) {
            if ((best == null || e.getKey().size() > best.getKey().size()) && matches(e.getKey(), i)) {
                best = e;
            }
        }
        return best;
    }
}
