package dev.troupe.planner.understand;

import java.util.List;

/**
 * Part of pass 2: nouns that together make one part ("men and women", "20 volunteers, men and women") and counts
 * said of the whole group ("2 doctors and 3 nurses, 5 in all"; "a group of 6 doctors and nurses").
 */
final class GroupJoins {

    private final RequestWords w;

    GroupJoins(RequestWords words) {
        this.w = words;
    }

    /** "men and women", "boys and girls" without counts of their own: one part, half of each. */
    void menAndWomen(Sentence s, List<MentionDraft> drafts) {
        for (int k = 0; k + 1 < drafts.size(); k++) {
            MentionDraft a = drafts.get(k);
            MentionDraft b = drafts.get(k + 1);
            boolean adjacent = b.start == a.headEnd + 1 && (s.at(a.headEnd).equals("and") || s.at(a.headEnd).equals("or")
                    || s.at(a.headEnd).equals("&"));
            String ga = w.implied(a.head).get("gender");
            String gb = w.implied(b.head).get("gender");
            if (adjacent && b.countWords == null && b.start == b.headStart && w.genericNouns.contains(a.head)
                    && w.genericNouns.contains(b.head) && ga != null && gb != null && !ga.equals(gb)) {
                boolean kids = a.head.equals("boy") || a.head.equals("girl");
                a.genderMix = s.words(a.headStart, b.headEnd);
                a.head = kids ? "kid" : "person";
                a.plural = true;
                if (a.count != null && a.countWords != null && a.countWords.equals("a " + s.at(a.headStart))) {
                    a.count = null;
                    a.countWords = null;
                }
                s.take(a.headEnd, b.headEnd, "group");
                a.headEnd = b.headEnd;
                drafts.remove(k + 1);
                k--;
            }
        }
    }

    /** "20 volunteers, men and women, picking up litter": the men and women describe the group before them. */
    void describedByMenAndWomen(Sentence s, List<MentionDraft> drafts) {
        for (int k = 1; k < drafts.size(); k++) {
            MentionDraft b = drafts.get(k);
            MentionDraft a = drafts.get(k - 1);
            if (b.genderMix != null && b.countWords == null && b.start > 0 && s.at(b.start - 1).equals(",")
                    && a.genderMix == null) {
                a.genderMix = b.genderMix;
                drafts.remove(k);
                k--;
            }
        }
    }

    /** "2 doctors and 3 nurses, 5 in all": a count said of the whole group; its words are taken. */
    Integer statedTotal(Sentence s, Phrases p) {
        for (Quantity q : p.quantities()) {
            int k = q.end();
            if (q.kind() != Quantity.Kind.COUNT || !s.free(q.start()) || k >= s.size()) {
                continue;
            }
            int end = -1;
            if (k + 1 < s.size() && s.at(k).equals("in") && (s.at(k + 1).equals("all") || s.at(k + 1).equals("total"))) {
                end = k + 2;
            } else if (s.at(k).equals("altogether") || s.at(k).equals("overall") || s.at(k).equals("total")) {
                end = k + 1;
            }
            if (end > 0) {
                MentionDraft check = new MentionDraft();
                check.count(q, w);
                s.take(q.start(), end, "count");
                return check.count;
            }
        }
        return null;
    }

    /** "a group of 6 doctors and nurses": the 6 is for the parts together. */
    Integer totalOverAList(Sentence s, List<MentionDraft> drafts) {
        if (drafts.size() < 2) {
            return null;
        }
        MentionDraft first = drafts.get(0);
        if (first.collective == null || first.count == null || !first.explicitCount) {
            return null;
        }
        int open = 0;
        for (int k = 1; k < drafts.size(); k++) {
            MentionDraft d = drafts.get(k);
            if (d.countWords != null || !s.at(d.start - 1).equals("and") && !s.at(d.start - 1).equals(",")) {
                return null;
            }
            open++;
        }
        if (open == 0) {
            return null;
        }
        int total = first.count;
        first.count = null;
        return total;
    }
}
