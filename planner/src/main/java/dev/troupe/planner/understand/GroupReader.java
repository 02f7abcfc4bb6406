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
 */
final class GroupReader {

    /** Words that end the words of a noun phrase, looking left from its noun. */
    private static final Set<String> STOPS_LEFT = Set.of("of", "to", "for", "from", "than", "that", "who", "which",
            "while", "where", "by", "whose", "are", "is", "were", "was", "be", "and", "or", "with", "plus", "&", "as");
    /** Nouns that say only who someone is as a man or a woman, so that "3 women" can be a part of "a team of 5". */
    private static final Set<String> GENERIC = Set.of("woman", "man", "girl", "boy", "lady", "gentleman", "guy", "person",
            "female", "male");

    private final RequestWords w;

    GroupReader(RequestWords words) {
        this.w = words;
    }

    /** A mention while it is being read. */
    private static final class Draft {
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
        String genderMix;
        final List<int[]> backReferences = new ArrayList<>();

        GroupMention done() {
            return new GroupMention(parent, start, headStart, headEnd, end, head, count, countWords, plural, collective,
                    remainder);
        }
    }

    Groups read(Sentence s, Phrases p) {
        List<Draft> drafts = new ArrayList<>();
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
            Draft d = mention(s, p, anchor, i, drafts.isEmpty());
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
        mergeMenAndWomen(s, drafts);
        describeWithMenAndWomen(s, drafts);
        Integer stated = statedTotal(s, p);
        Integer total = totalOverAList(s, drafts);
        if (total == null && stated != null && drafts.size() > 1) {
            total = stated;
        }
        for (Draft d : drafts) {
            // "a basketball team": the group noun's own count (not when a total is shared: "a group of 6 doctors and nurses")
            if (total == null && d.count == null && d.collective != null && w.collectives.get(d.collective).count() > 0) {
                d.count = w.collectives.get(d.collective).count();
                d.countWords = d.collective;
            }
        }
        ends(s, drafts);
        splitIntoParts(s, p, drafts);
        for (Draft d : drafts) {
            if (d.count != null && d.count < 1 && !d.remainder) {
                throw RuleReader.refuse(w, "a group needs at least 1 subject, got '" + d.countWords + "'");
            }
            if (d.count != null && d.count > w.maxSubjects) {
                throw RuleReader.refuse(w, tooMany(d.countWords));
            }
        }
        List<GroupMention> mentions = new ArrayList<>();
        Map<Integer, String> merged = new LinkedHashMap<>();
        for (Draft d : drafts) {
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
        return new Groups(List.copyOf(mentions), scopes(s, drafts), total, Map.copyOf(merged));
    }

    String tooMany(String words) {
        return "'" + words + "' subjects is more than the " + w.maxSubjects + " Troupe can place in one image; ask for "
                + w.maxSubjects + " or fewer";
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
    private int backReference(Sentence s, List<Draft> drafts, int i) {
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
    private Draft mention(Sentence s, Phrases p, boolean[] anchor, int i, boolean first) {
        Draft d = new Draft();
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
                    setCount(d, q);
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
                        setCount(d, q);
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
                boundaryIsJoiner = s.isPunctuation(j) || isJoiner(s, j) || first && token.equals("of");
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

    private void setCount(Draft d, Quantity q) {
        if (q.amount() != Math.rint(q.amount())) {
            throw RuleReader.refuse(w, "'" + q.words() + "' is not a whole number of subjects");
        }
        if (q.amount() < 1) {
            throw RuleReader.refuse(w, "a group needs at least 1 subject, got '" + q.words() + "'");
        }
        if (q.amount() > w.maxSubjects) {
            throw RuleReader.refuse(w, tooMany(q.words()));
        }
        d.count = (int) q.amount();
        d.countWords = q.words();
        d.explicitCount = q.kind() == Quantity.Kind.COUNT;
    }

    private void takeCountWords(Sentence s, Phrases p, Draft d) {
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
        return s.isPunctuation(j) || isJoiner(s, j);
    }

    private boolean isJoiner(Sentence s, int j) {
        for (List<String> joiner : w.joiners) {
            int from = j - joiner.size() + 1;
            if (from >= 0 && s.t.subList(from, j + 1).equals(joiner)) {
                return true;
            }
        }
        return false;
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

    // ---- parts that join -------------------------------------------------------------------------------------------

    /** "men and women", "boys and girls" without counts of their own: one part, half of each. */
    private void mergeMenAndWomen(Sentence s, List<Draft> drafts) {
        for (int k = 0; k + 1 < drafts.size(); k++) {
            Draft a = drafts.get(k);
            Draft b = drafts.get(k + 1);
            boolean adjacent = b.start == a.headEnd + 1 && (s.at(a.headEnd).equals("and") || s.at(a.headEnd).equals("or")
                    || s.at(a.headEnd).equals("&"));
            String ga = w.implied(a.head).get("gender");
            String gb = w.implied(b.head).get("gender");
            if (adjacent && b.countWords == null && b.start == b.headStart && GENERIC.contains(a.head)
                    && GENERIC.contains(b.head) && ga != null && gb != null && !ga.equals(gb)) {
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
    private void describeWithMenAndWomen(Sentence s, List<Draft> drafts) {
        for (int k = 1; k < drafts.size(); k++) {
            Draft b = drafts.get(k);
            Draft a = drafts.get(k - 1);
            if (b.genderMix != null && b.countWords == null && b.start > 0 && s.at(b.start - 1).equals(",")
                    && a.genderMix == null) {
                a.genderMix = b.genderMix;
                drafts.remove(k);
                k--;
            }
        }
    }

    /** "2 doctors and 3 nurses, 5 in all": a count said of the whole group; its words are taken. */
    private Integer statedTotal(Sentence s, Phrases p) {
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
                Draft check = new Draft();
                setCount(check, q);
                s.take(q.start(), end, "count");
                return check.count;
            }
        }
        return null;
    }

    /** "a group of 6 doctors and nurses": the 6 is for the parts together. */
    private Integer totalOverAList(Sentence s, List<Draft> drafts) {
        if (drafts.size() < 2) {
            return null;
        }
        Draft first = drafts.get(0);
        if (first.collective == null || first.count == null || !first.explicitCount) {
            return null;
        }
        int open = 0;
        for (int k = 1; k < drafts.size(); k++) {
            Draft d = drafts.get(k);
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

    /** Each part runs from its first word to the next part's first word; joiners between them are taken. */
    private void ends(Sentence s, List<Draft> drafts) {
        for (int k = 0; k < drafts.size(); k++) {
            Draft d = drafts.get(k);
            if (k + 1 < drafts.size()) {
                int next = drafts.get(k + 1).start;
                int j = next - 1;
                // the joiner in front of the next part ("and", ", and", "with", "along with")
                while (j >= d.headEnd && s.free(j) && (s.isPunctuation(j) || isJoiner(s, j))) {
                    j--;
                }
                s.take(j + 1, next, "joiner");
                d.end = j + 1;
            } else {
                d.end = s.size();
            }
        }
    }

    // ---- parts of a part -----------------------------------------------------------------------------------------

    /**
     * "7 soccer players, 3 in red jerseys and 4 in blue jerseys": counts after a comma that name no noun of their own
     * split the part before them; so do counted men and women after a group ("a team of 5: 3 women and 2 men").
     */
    private void splitIntoParts(Sentence s, Phrases p, List<Draft> drafts) {
        for (int k = 0; k < drafts.size(); k++) {
            Draft g = drafts.get(k);
            if (g.parent >= 0 || g.remainder) {
                continue;
            }
            List<Draft> parts = countedParts(s, p, g);
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
            for (Draft part : parts) {
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
            for (Draft part : parts) {
                drafts.add(at++, part);
            }
            if (sum < g.count) {
                Draft rest = new Draft();
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

    private List<Draft> countedParts(Sentence s, Phrases p, Draft g) {
        List<Draft> parts = new ArrayList<>();
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
            Draft part = new Draft();
            part.start = part.headStart = part.headEnd = k;
            setCount(part, q);
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
    private List<Draft> nounParts(Sentence s, List<Draft> drafts, int k) {
        Draft g = drafts.get(k);
        List<Draft> parts = new ArrayList<>();
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
            Draft d = drafts.get(m);
            if (d.countWords == null || !GENERIC.contains(d.head) || d.collective != null) {
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

    // ---- scopes --------------------------------------------------------------------------------------------------

    /**
     * Which mention each token is about. With several parts, what follows a comma after the last part is said of
     * the whole group; so is anything before the first part.
     */
    private int[] scopes(Sentence s, List<Draft> drafts) {
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
            Draft d = drafts.get(k);
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
            Draft d = drafts.get(k);
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
