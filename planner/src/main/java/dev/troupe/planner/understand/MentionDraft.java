package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;

/** A part of the group while the second pass reads it; {@link #done()} is the {@link GroupMention} it becomes. */
final class MentionDraft {
    int parent = -1;
    int start;
    int headStart;
    int headEnd;
    int end;
    String head;
    Integer count;
    String countWords;
    boolean plural;
    String collective;
    boolean remainder;
    boolean explicitCount;
    /** "men and women" joined into this part: the words, read as a mix of gender. */
    String genderMix;
    /** Spans that say more about this part after it ("the chef in white"): {first token, token after the last}. */
    final List<int[]> backReferences = new ArrayList<>();

    GroupMention done() {
        return new GroupMention(parent, start, headStart, headEnd, end, head, count, countWords, plural, collective,
                remainder);
    }

    /** Takes {@code q} as this part's count: a whole number from 1 to the most subjects a plan may have. */
    void count(Quantity q, RequestWords w) {
        if (q.amount() != Math.rint(q.amount())) {
            throw RuleReader.refuse(w, "'" + q.words() + "' is not a whole number of subjects");
        }
        if (q.amount() < 1) {
            throw RuleReader.refuse(w, "a group needs at least 1 subject, got '" + q.words() + "'");
        }
        if (q.amount() > w.maxSubjects) {
            throw RuleReader.refuse(w, tooMany(q.words(), w));
        }
        count = (int) q.amount();
        countWords = q.words();
        explicitCount = q.kind() == Quantity.Kind.COUNT;
    }

    static String tooMany(String words, RequestWords w) {
        return "'" + words + "' subjects is more than the " + w.maxSubjects + " Troupe can place in one image; ask for "
                + w.maxSubjects + " or fewer";
    }
}
