package dev.troupe.planner.understand;

import java.util.Arrays;
import java.util.List;

/** Part of pass 2: where each part's words run, and so which part (or the whole group) each token is about. */
final class PartSpans {

    private PartSpans() {
    }

    /** Each part runs from its first word to the next part's first word; joiners between them are taken. */
    static void ends(Sentence s, RequestWords w, List<MentionDraft> drafts) {
        for (int k = 0; k < drafts.size(); k++) {
            MentionDraft d = drafts.get(k);
            if (k + 1 < drafts.size()) {
                int next = drafts.get(k + 1).start;
                int j = next - 1;
                // the joiner in front of the next part ("and", ", and", "with", "along with")
                while (j >= d.headEnd && s.free(j) && (s.isPunctuation(j) || w.joinerEndsAt(s, j))) {
                    j--;
                }
                s.take(j + 1, next, "joiner");
                d.end = j + 1;
            } else {
                d.end = s.size();
            }
        }
    }

    /**
     * Which mention each token is about. With several parts, what follows a comma after the last part is said of
     * the whole group; so is anything before the first part.
     */
    static int[] scopes(Sentence s, RequestWords w, List<MentionDraft> drafts) {
        int[] scope = new int[s.size()];
        Arrays.fill(scope, Groups.WHOLE);
        int top = 0;
        int lastTop = -1;
        for (int k = 0; k < drafts.size(); k++) {
            if (drafts.get(k).parent < 0) {
                top++;
                lastTop = k;
            }
        }
        for (int k = 0; k < drafts.size(); k++) {
            MentionDraft d = drafts.get(k);
            if (d.parent >= 0) {
                continue;
            }
            int from = top == 1 ? 0 : d.start;
            if (top > 1 && d.collective != null && d.headEnd - d.headStart > 1 && w.collective(s.at(d.headStart)) != null) {
                // "a diverse group of 3 doctors and 5 nurses": what describes the group is said of all of it
                from = d.headStart;
            }
            int to = d.end;
            if (top > 1 && k == lastTop) {
                for (int i = d.headEnd; i < d.end; i++) {
                    if (s.free(i) && (s.at(i).equals(",") || s.at(i).equals(";"))) {
                        to = i;
                        break;
                    }
                }
            }
            Arrays.fill(scope, from, Math.max(from, to), k);
        }
        for (int k = 0; k < drafts.size(); k++) {
            MentionDraft d = drafts.get(k);
            if (d.parent >= 0 && !d.remainder) {
                Arrays.fill(scope, d.start, d.end, k);
            }
            for (int[] span : d.backReferences) {
                Arrays.fill(scope, span[0], span[1], k);
            }
        }
        return scope;
    }
}
