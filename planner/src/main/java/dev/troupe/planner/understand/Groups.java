package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;

/**
 * What the second pass found: the parts of the group, and which part each token is about.
 *
 * @param mentions every part, in request order; a part split into smaller parts stays listed (the smaller parts
 *                 name it as their parent), so what it says holds for all of them
 * @param scope    per token: the mention it belongs to, or {@link #WHOLE} for what is said of the whole group
 * @param total    the size of the whole group when the request gives it apart from the parts, or null
 * @param merged   named mixes that came from joining nouns ("men and women"): mention -> the words
 */
record Groups(List<GroupMention> mentions, int[] scope, Integer total, java.util.Map<Integer, String> merged) {

    static final int WHOLE = -1;

    /** The mentions that are not split further, in request order: the parts of the plan. */
    List<Integer> leaves() {
        List<Integer> out = new ArrayList<>();
        for (int m = 0; m < mentions.size(); m++) {
            boolean split = false;
            for (GroupMention other : mentions) {
                split |= other.parent() == m;
            }
            if (!split) {
                out.add(m);
            }
        }
        return out;
    }

    /** The mention itself and every mention it is a part of, innermost first. */
    List<Integer> lineage(int mention) {
        List<Integer> out = new ArrayList<>();
        for (int m = mention; m >= 0; m = mentions.get(m).parent()) {
            out.add(m);
        }
        return out;
    }

    /** Whether a statement in scope {@code s} applies to leaf {@code leaf}. */
    boolean covers(int s, int leaf) {
        return s == WHOLE || lineage(leaf).contains(s);
    }

    /** The number of parts the request names at the top (not counting parts of parts). */
    int topLevel() {
        int n = 0;
        for (GroupMention m : mentions) {
            n += m.parent() < 0 ? 1 : 0;
        }
        return n;
    }
}
