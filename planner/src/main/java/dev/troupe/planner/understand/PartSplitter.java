package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;

/**
 * Part of pass 2: parts of a part. "7 soccer players, 3 in red jerseys and 4 in blue jerseys": counts after a comma
 * that name no noun of their own split the part before them, and what they leave is one more part (the others);
 * counted men and women after a group that they fill are its parts too ("a team of 5: 3 women and 2 men").
 */
final class PartSplitter {

    private final RequestWords w;

    PartSplitter(RequestWords words) {
        this.w = words;
    }

    /**
     * "7 soccer players, 3 in red jerseys and 4 in blue jerseys": counts after a comma that name no noun of their own
     * split the part before them; so do counted men and women after a group ("a team of 5: 3 women and 2 men").
     */
    void split(Sentence s, Phrases p, List<MentionDraft> drafts) {
        for (int k = 0; k < drafts.size(); k++) {
            MentionDraft g = drafts.get(k);
            if (g.parent >= 0 || g.remainder) {
                continue;
            }
            List<MentionDraft> parts = countedParts(s, p, g);
            if (parts.isEmpty()) {
                parts = nounParts(s, drafts, k);
                if (parts.isEmpty()) {
                    continue;
                }
                drafts.removeAll(parts);
            } else {
                g.end = parts.get(0).start;
            }
            int sum = 0;
            for (MentionDraft part : parts) {
                part.parent = k;
                sum += part.count;
            }
            if (g.count == null) {
                g.count = sum;
                g.countWords = Integer.toString(sum);
            }
            if (sum > g.count) {
                throw RuleReader.refuse(w, "the parts of '" + s.words(g.start, g.headEnd) + "' add up to " + sum
                        + ", more than the " + g.count + " in the group; make them add up to " + g.count + " or fewer");
            }
            int at = k + 1;
            for (MentionDraft part : parts) {
                drafts.add(at++, part);
            }
            if (sum < g.count) {
                MentionDraft rest = new MentionDraft();
                rest.parent = k;
                rest.start = rest.headStart = rest.headEnd = rest.end = parts.get(parts.size() - 1).end;
                rest.count = g.count - sum;
                rest.countWords = "the other " + rest.count;
                rest.remainder = true;
                drafts.add(at, rest);
            }
            k = at;
        }
    }

    private List<MentionDraft> countedParts(Sentence s, Phrases p, MentionDraft g) {
        List<MentionDraft> parts = new ArrayList<>();
        int i = g.headEnd;
        // the first part follows a comma, a colon or a dash after the group's noun
        while (i < g.end && !(s.free(i) && (s.at(i).equals(",") || s.at(i).equals(":") || s.at(i).equals("-")
                || s.at(i).equals("(")))) {
            i++;
        }
        if (i >= g.end) {
            return parts;
        }
        int k = i + 1;
        while (k < g.end) {
            Quantity q = p.startingAt(k);
            if (q == null || q.kind() != Quantity.Kind.COUNT || !s.free(k) || q.amount() != Math.rint(q.amount())) {
                break;
            }
            MentionDraft part = new MentionDraft();
            part.start = part.headStart = part.headEnd = k;
            part.count(q, w);
            part.headEnd = q.end();
            s.take(q.start(), q.end(), "count");
            int end = q.end();
            while (end < g.end) {
                boolean nextPart = (s.at(end).equals("and") || s.at(end).equals(",") || s.at(end).equals(";"))
                        && nextCount(s, p, end + 1) != null;
                if (nextPart || s.at(end).equals(")")) {
                    break;
                }
                if (s.at(end).equals(",") && nextCount(s, p, end + 1) == null) {
                    break; // ", all wearing glasses": said of the whole group again
                }
                end++;
            }
            part.end = end;
            parts.add(part);
            if (end >= g.end || s.at(end).equals(")") || !(s.at(end).equals("and") || s.at(end).equals(",")
                    || s.at(end).equals(";"))) {
                break;
            }
            int next = end + 1;
            while (next < g.end && (s.at(next).equals("and"))) {
                next++;
            }
            if (nextCount(s, p, next) == null) {
                break;
            }
            s.take(end, next, "joiner");
            k = next;
        }
        return parts;
    }

    private Quantity nextCount(Sentence s, Phrases p, int k) {
        while (k < s.size() && s.at(k).equals("and")) {
            k++;
        }
        Quantity q = p.startingAt(k);
        return q != null && q.kind() == Quantity.Kind.COUNT && s.free(k) ? q : null;
    }

    /** Counted "women" and "men" right after a counted group that they fill: its parts, with its noun. */
    private List<MentionDraft> nounParts(Sentence s, List<MentionDraft> drafts, int k) {
        MentionDraft g = drafts.get(k);
        List<MentionDraft> parts = new ArrayList<>();
        if (g.count == null || k + 1 >= drafts.size()) {
            return parts;
        }
        int comma = drafts.get(k + 1).start - 1;
        while (comma >= g.headEnd && !(s.at(comma).equals(",") || s.at(comma).equals(":") || s.at(comma).equals("-"))) {
            comma--;
        }
        if (comma < g.headEnd) {
            return parts;
        }
        int sum = 0;
        for (int m = k + 1; m < drafts.size(); m++) {
            MentionDraft d = drafts.get(m);
            if (d.countWords == null || !w.genericNouns.contains(d.head) || d.collective != null) {
                break;
            }
            sum += d.count;
            parts.add(d);
        }
        if (parts.isEmpty() || sum > g.count) {
            return List.of();
        }
        g.end = parts.get(0).start;
        return parts;
    }
}
