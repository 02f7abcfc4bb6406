package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Pass 6, free details: whatever no other pass took ("having a picnic", "with balloons", "cheering") is kept, clause by
 * clause, for the prompts of the part it stands in. Runs of words that carry no meaning ("please", "of", "the") are
 * dropped. No word makes a request fail.
 */
final class DetailReader {

    /** A run of free words and the mention it is about. */
    record Detail(int scope, String words) {
    }

    private static final Set<String> TRIM = Set.of("and", "or", "but", "also", "then", "while", "who", "are", "is", "of",
            "the", "a", "an", "to", "that", "which", "by", "all", "they", "them", "both", "each");
    /** Words that lead into a detail and stay with it ("in lab coats", "with balloons"). */
    private static final Set<String> LEADS = Set.of("with", "in", "on", "at", "having", "wearing", "standing", "holding");

    private final RequestWords w;

    DetailReader(RequestWords words) {
        this.w = words;
    }

    List<Detail> read(Sentence s, Groups g) {
        List<Detail> out = new ArrayList<>();
        int i = 0;
        while (i < s.size()) {
            if (!s.free(i) || s.isPunctuation(i)) {
                i++;
                continue;
            }
            int end = i;
            while (end < s.size() && s.free(end) && !s.isPunctuation(end) && g.scope()[end] == g.scope()[i]) {
                end++;
            }
            int from = i;
            int to = end;
            while (from < to && (TRIM.contains(s.at(from)) || w.stopwords.contains(s.at(from)) && !LEADS.contains(s.at(from)))) {
                from++;
            }
            while (to > from && (TRIM.contains(s.at(to - 1)) || LEADS.contains(s.at(to - 1)))) {
                to--;
            }
            boolean meaningful = false;
            for (int k = from; k < to; k++) {
                meaningful |= !w.stopwords.contains(s.at(k));
            }
            if (meaningful) {
                out.add(new Detail(g.scope()[from], s.words(from, to)));
            }
            s.take(i, end, "detail");
            i = end;
        }
        return out;
    }
}
