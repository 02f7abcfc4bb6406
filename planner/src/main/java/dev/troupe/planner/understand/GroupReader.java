package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pass 2, counts and groups: finds who is in the picture. Every noun for people ("nurses") or groups ("team") is a
 * candidate; it becomes a part of the group with the count before it ("two doctors"), after it ("a team of 5"), or
 * none (open). Parts are joined by "and", commas or "with" ("a teacher with six students"); a number after a group
 * that names no noun of its own splits that group ("7 soccer players, 3 in red jerseys and 4 in blue"). A noun after
 * a share is what the share is of ("half of them women"), and a noun after a preposition is part of a place or a
 * detail ("at a party"), unless a number says it is drawn. Each token is then given the part it is about, or the
 * whole group (what follows a comma after the last of several parts).
 *
 * <p>The nouns and their counts are read here; joining nouns that make one part ("men and women") and totals are
 * {@link GroupJoins}'s, parts of a part {@link PartSplitter}'s, and where each part's words run {@link PartSpans}'.
 */
final class GroupReader {

    /** Words that end the words of a noun phrase, looking left from its noun. */
    private static final Set<String> STOPS_LEFT = Set.of("of", "to", "for", "from", "than", "that", "who", "which",
            "while", "where", "by", "whose", "are", "is", "were", "was", "be", "and", "or", "with", "plus", "&", "as");

    private final RequestWords w;
    private final GroupJoins joins;

    GroupReader(RequestWords words) {
        this.w = words;
        this.joins = new GroupJoins(words);
    }

    Groups read(Sentence s, Phrases p) {
        List<MentionDraft> drafts = new ArrayList<>();
        boolean[] anchor = anchors(s, p);
        for (int i = 0; i < s.size(); i++) {
            if (!anchor[i]) {
                continue;
            }
            int earlier = backReference(s, drafts, i);
            if (earlier >= 0) {
                // "a chef, a waiter and two customers, the chef in white": more about a part already named
                int end = i + 1;
                while (end < s.size() && !s.isPunctuation(end)) {
                    end++;
                }
                drafts.get(earlier).backReferences.add(new int[] {i - 1, end});
                s.take(i - 1, i + 1, "group");
                i = end - 1;
                continue;
            }
            MentionDraft d = mention(s, p, anchor, i, drafts.isEmpty());
            if (d != null) {
                drafts.add(d);
                i = d.headEnd - 1;
            }
        }
        if (drafts.isEmpty()) {
            throw RuleReader.refuse(w, "did not find who is in the group; Troupe draws groups of people: name them, "
                    + "e.g. 'five nurses' or 'a team of 5 women' (nouns it knows are listed in "
                    + "prompts/src/main/resources/troupe/requests.yaml)");
        }
        joins.menAndWomen(s, drafts);
        joins.describedByMenAndWomen(s, drafts);
        Integer stated = joins.statedTotal(s, p);
        Integer total = joins.totalOverAList(s, drafts);
        if (total == null && stated != null && drafts.size() > 1) {
            total = stated;
        }
        for (MentionDraft d : drafts) {
            // "a basketball team": the group noun's own count (not when a total is shared: "a group of 6 doctors and nurses")
            if (total == null && d.count == null && d.collective != null && w.collectives.get(d.collective).count() > 0) {
                d.count = w.collectives.get(d.collective).count();
                d.countWords = d.collective;
            }
        }
        PartSpans.ends(s, w, drafts);
        new PartSplitter(w).split(s, p, drafts);
        for (MentionDraft d : drafts) {
            if (d.count != null && d.count < 1 && !d.remainder) {
                throw RuleReader.refuse(w, "a group needs at least 1 subject, got '" + d.countWords + "'");
            }
            if (d.count != null && d.count > w.maxSubjects) {
                throw RuleReader.refuse(w, MentionDraft.tooMany(d.countWords, w));
            }
        }
        List<GroupMention> mentions = new ArrayList<>();
        Map<Integer, String> merged = new LinkedHashMap<>();
        for (MentionDraft d : drafts) {
            if (d.genderMix != null) {
                merged.put(mentions.size(), d.genderMix);
            }
            mentions.add(d.done());
        }
        int sum = 0;
        for (GroupMention m : mentions) {
            sum += m.parent() < 0 && m.count() != null ? m.count() : 0;
        }
        if (total == null && sum > w.maxSubjects) {
            throw RuleReader.refuse(w, "the parts add up to " + sum + " subjects, more than the " + w.maxSubjects
                    + " Troupe can place in one image; ask for " + w.maxSubjects + " or fewer");
        }
        return new Groups(List.copyOf(mentions), PartSpans.scopes(s, w, drafts), total, Map.copyOf(merged));
    }

    // ---- nouns ---------------------------------------------------------------------------------------------------

    /** Tokens that may be the noun of a part: a noun for people or a group noun, free, not inside a number. */
    private boolean[] anchors(Sentence s, Phrases p) {
        boolean[] anchor = new boolean[s.size()];
        boolean[] inQuantity = new boolean[s.size()];
        for (Quantity q : p.quantities()) {
            Arrays.fill(inQuantity, q.start(), q.end(), true);
        }
        for (int i = 0; i < s.size(); i++) {
            anchor[i] = s.free(i) && !inQuantity[i] && (w.personNoun(s.at(i)) != null || w.collective(s.at(i)) != null);
        }
        // "women doctors", "police officers", "team members": the last noun is the head, the others describe it
        for (int i = 0; i + 1 < s.size(); i++) {
            if (anchor[i] && anchor[i + 1]) {
                anchor[i] = false;
            }
        }
        // "party hats", "band t-shirts": a group noun before another noun describes that noun
        for (int i = 0; i + 1 < s.size(); i++) {
            if (anchor[i] && w.personNoun(s.at(i)) == null && s.free(i + 1) && !s.isPunctuation(i + 1)
                    && !s.at(i + 1).equals("of") && !STOPS_LEFT.contains(s.at(i + 1)) && !isPreposition(s, i + 1)
                    && !w.stopwords.contains(s.at(i + 1)) && !inQuantity[i + 1] && !s.at(i + 1).endsWith("ing")) {
                anchor[i] = false;
            }
        }
        return anchor;
    }

    /** The part named earlier that "the" + the noun at {@code i} refers back to ("the chef"), or -1. */
    private int backReference(Sentence s, List<MentionDraft> drafts, int i) {
        if (i == 0 || !s.at(i - 1).equals("the") || !s.free(i - 1) || w.personNoun(s.at(i)) == null
                || w.isPlural(s.at(i))) {
            return -1;
        }
        for (int k = 0; k < drafts.size(); k++) {
            Integer count = drafts.get(k).count;
            if (w.personNoun(s.at(i)).equals(drafts.get(k).head) && count != null && count == 1) {
                return k;
            }
        }
        return -1;
    }

    /**
     * The part whose noun is at {@code i}, or null when the noun is not a part (a share's item, a place). The first
     * noun for people may follow "of" ("a line of schoolchildren"); a later one must follow a joiner or have a number.
     */
    private MentionDraft mention(Sentence s, Phrases p, boolean[] anchor, int i, boolean first) {
        MentionDraft d = new MentionDraft();
        d.headStart = i;
        d.headEnd = i + 1;
        String word = s.at(i);
        String collective = w.collective(word);
        String person = w.personNoun(word);
        // a noun right before this one describes it: "team members", "women doctors"
        String modifierCollective = i > 0 && s.free(i - 1) ? w.collective(s.at(i - 1)) : null;
        if (person != null) {
            d.head = person;
            d.plural = w.isPlural(word);
            d.collective = modifierCollective;
        } else {
            d.collective = collective;
            d.head = w.collectives.get(collective).member();
            d.plural = true;
            // "a team of 5 women", "a family of four", "a group of friends"
            if (i + 1 < s.size() && s.at(i + 1).equals("of") && s.free(i + 1)) {
                int k = i + 2;
                Quantity q = p.startingAt(k);
                boolean counted = q != null && q.kind() == Quantity.Kind.COUNT;
                if (counted) {
                    k = q.end();
                }
                int noun = -1;
                for (int m = k; m < s.size() && m < k + 5 && s.free(m) && !stopsRight(s, m); m++) {
                    if (anchor[m] && w.personNoun(s.at(m)) != null) {
                        noun = m;
                        break;
                    }
                }
                if (noun >= 0) {
                    d.head = w.personNoun(s.at(noun));
                    d.plural = w.isPlural(s.at(noun));
                    d.headEnd = noun + 1;
                    anchor[noun] = false;
                } else if (counted) {
                    d.headEnd = k;
                }
                if (counted) {
                    d.count(q, w);
                }
            }
        }
        // the words before the noun: modifiers, then a count, an article or a determiner
        int start = d.headStart;
        int j = d.headStart - 1;
        boolean boundaryIsJoiner = true;
        while (j >= 0) {
            if (!s.free(j)) {
                String by = s.takenBy(j);
                boundaryIsJoiner = by.equals("frame") || by.equals("style") || by.equals("layout");
                break;
            }
            Quantity q = p.endingAt(j + 1);
            if (q != null) {
                if (q.isCount()) {
                    if (d.count == null) {
                        d.count(q, w);
                    }
                    start = q.start();
                    j = q.start() - 1;
                    boundaryIsJoiner = boundaryBefore(s, j);
                    break;
                }
                if (q.kind() != Quantity.Kind.EVERYONE) {
                    return null; // "half of them women": the noun is what a share is of
                }
            }
            String token = s.at(j);
            if (token.equals("a") || token.equals("an") || w.determiners.contains(token)) {
                if ((token.equals("a") || token.equals("an")) && !d.plural && d.count == null && d.collective == null) {
                    d.count = 1;
                    d.countWords = token + " " + s.at(d.headStart);
                }
                start = j;
                boundaryIsJoiner = boundaryBefore(s, j - 1);
                break;
            }
            if (s.isPunctuation(j) || STOPS_LEFT.contains(token) || isPreposition(s, j) || anchor[j]) {
                boundaryIsJoiner = s.isPunctuation(j) || w.joinerEndsAt(s, j) || first && token.equals("of");
                break;
            }
            start = j;
            j--;
        }
        if (j < 0) {
            boundaryIsJoiner = true;
        }
        d.start = start;
        if (!d.explicitCount && !boundaryIsJoiner) {
            return null; // "at a party", "reading to his grandchildren": not a part of the group
        }
        if (d.count == null && !d.plural && d.collective == null) {
            d.count = 1; // "doctor and nurse"
            d.countWords = s.at(d.headStart);
        }
        s.take(d.headStart, d.headStart + 1, "group");
        if (d.headEnd > d.headStart + 1) {
            // "team of 5 women": the group noun, "of" and the noun are the group's; words between describe it
            s.take(d.headStart + 1, d.headStart + 2, "group");
            s.take(d.headEnd - 1, d.headEnd, "group");
        }
        if (d.explicitCount || d.countWords != null) {
            takeCountWords(s, p, d);
        }
        return d;
    }

    private void takeCountWords(Sentence s, Phrases p, MentionDraft d) {
        for (Quantity q : p.quantities()) {
            if (q.isCount() && q.words().equals(d.countWords) && q.end() <= d.headEnd && q.start() >= d.start - 1) {
                s.take(q.start(), q.end(), "count");
            }
        }
    }

    private boolean boundaryBefore(Sentence s, int j) {
        if (j < 0) {
            return true;
        }
        if (!s.free(j)) {
            String by = s.takenBy(j);
            return by.equals("frame") || by.equals("style") || by.equals("layout") || by.equals("joiner");
        }
        return s.isPunctuation(j) || w.joinerEndsAt(s, j);
    }

    private boolean isPreposition(Sentence s, int j) {
        for (List<String> p : w.scenePrepositions) {
            if (p.size() == 1 && p.get(0).equals(s.at(j))) {
                return true;
            }
        }
        return false;
    }

    private boolean stopsRight(Sentence s, int m) {
        return s.isPunctuation(m) || isPreposition(s, m) || STOPS_LEFT.contains(s.at(m));
    }
}
