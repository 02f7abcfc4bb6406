package dev.troupe.planner;

import dev.troupe.planner.understand.Words;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The embedded rule planner's reader: turns an English group request into a {@link GroupSpec}.
 *
 * <p>It reads in passes, each taking the words it understands out of the request so that later
 * passes do not misread them: explicit mixes ("60% red jerseys and 40% blue", "two of them with
 * glasses", "1 in 3 left-handed"), styles ("in watercolor"), named mixes ("multiracial"), the count
 * ("5", "five", "a dozen"), fixed attributes ("female", "red jerseys"), the scene clause ("on an
 * indoor court"), and last the subject ("basketball team" -> "basketball player"). All the words
 * come from {@link Lexicon}; words left over that it cannot place make the request an error that
 * shows what was understood.
 */
public final class RequestParser implements RequestReader {

    private static final Set<String> MIX_FILLER = Set.of("of", "them", "those", "these", "the", "are", "is", "have",
            "has", "wear", "wearing", "with", "in", "who", "should", "be", "being", "will", "whom", "group");
    private static final Set<String> OF_THEM = Set.of("them", "those", "these", "whom");

    private final Lexicon lexicon;

    public RequestParser(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    @Override
    public GroupSpec parse(String request) {
        if (request == null || request.isBlank()) {
            throw new RequestException("the request is empty; describe the group, e.g. \"" + lexicon.example + "\"");
        }
        if (request.length() > lexicon.maxRequestLength) {
            throw new RequestException("the request is " + request.length() + " characters long; keep it under "
                    + lexicon.maxRequestLength + " characters, e.g. \"" + lexicon.example + "\"");
        }
        return new Reading(request.strip()).read();
    }

    /** The state of reading one request. */
    private final class Reading {
        final String request;
        final List<String> t;
        final boolean[] used;
        Integer count;
        String countWords;
        final Map<String, String> fixed = new LinkedHashMap<>();
        final Map<String, String> fixedWords = new LinkedHashMap<>();
        final Map<String, String> namedMixes = new LinkedHashMap<>();
        final Map<String, List<MixTerm>> explicit = new LinkedHashMap<>();
        final List<Object[]> secondary = new ArrayList<>(); // {dim, value, kind, amount, phrase}
        String lastMixDimension;
        String sceneWords;
        String sceneId;
        String styleId;
        String styleWords;
        String subjectHead;
        String subjectWords;

        Reading(String request) {
            this.request = request;
            this.t = Words.tokens(request);
            this.used = new boolean[t.size()];
        }

        GroupSpec read() {
            readExplicitMixes();
            readStyles();
            readNamedMixes();
            readCount();
            readFixedAttributes();
            resolveSecondary();
            readScene();
            readSubject();
            return spec();
        }

        GroupSpec spec() {
            return new GroupSpec(request, count, subjectHead, subjectWords, fixed, namedMixes, explicit, sceneWords,
                    sceneId, styleId, styleWords);
        }

        RequestException error(String problem) {
            return new RequestException(problem + " (understood: " + spec().understood() + "); a request that works: \""
                    + lexicon.example + "\"");
        }

        // ---- explicit mixes -------------------------------------------------------------------

        void readExplicitMixes() {
            for (int i = 0; i < t.size(); i++) {
                if (used[i]) {
                    continue;
                }
                if (readCountedList(i)) {
                    continue;
                }
                Quantity q = quantity(i);
                if (q == null) {
                    continue;
                }
                int j = q.end;
                Match item = null;
                int skipped = 0;
                while (j < t.size() && !used[j] && skipped <= 4) {
                    item = itemAt(j, q.phrase);
                    if (item != null) {
                        break;
                    }
                    if (!(MIX_FILLER.contains(t.get(j)) || lexicon.collective(t.get(j)) != null
                            || lexicon.personNoun(t.get(j)) != null)) {
                        break;
                    }
                    j++;
                    skipped++;
                }
                if (item == null) {
                    throw error("could not tell what '" + q.phrase + "' refers to; name a value after it, e.g. '"
                            + q.phrase + " with glasses' or '" + q.phrase + " red jerseys'");
                }
                markUsed(i, item.end);
                String phrase = String.join(" ", t.subList(i, item.end)).replace(" %", "%");
                addTerm(item, q.kind, q.amount, phrase);
                i = item.end - 1;
            }
        }

        /** "3 women and 2 men": several counted groups of one dimension; the count is their sum. */
        boolean readCountedList(int i) {
            List<int[]> spans = new ArrayList<>();
            List<Match> items = new ArrayList<>();
            List<Integer> numbers = new ArrayList<>();
            int k = i;
            while (k < t.size()) {
                Number n = numberAt(k);
                if (n == null || n.end >= t.size()) {
                    break;
                }
                Match item = patternAt(n.end);
                if (item == null) {
                    break;
                }
                spans.add(new int[] {k, item.end});
                items.add(item);
                numbers.add(n.value);
                k = item.end;
                if (k < t.size() && (t.get(k).equals("and") || t.get(k).equals(","))) {
                    k++;
                    if (k < t.size() && t.get(k).equals("and")) {
                        k++;
                    }
                } else {
                    break;
                }
            }
            if (items.size() < 2) {
                return false;
            }
            String dim = items.get(0).assignments.keySet().iterator().next();
            for (Match m : items) {
                if (!m.assignments.keySet().iterator().next().equals(dim)) {
                    return false;
                }
            }
            int total = 0;
            for (int idx = 0; idx < items.size(); idx++) {
                int n = numbers.get(idx);
                if (n < 0) {
                    throw error("a count cannot be negative, got " + n);
                }
                total += n;
                int[] span = spans.get(idx);
                addTerm(items.get(idx), MixTerm.Kind.COUNT, n, String.join(" ", t.subList(span[0], span[1])));
            }
            markUsed(i, spans.get(spans.size() - 1)[1]);
            setCount(total, String.join(" ", t.subList(i, spans.get(spans.size() - 1)[1])));
            return true;
        }

        void addTerm(Match item, MixTerm.Kind kind, double amount, String phrase) {
            boolean primary = true;
            for (Map.Entry<String, String> a : item.assignments.entrySet()) {
                if (primary) {
                    explicit.computeIfAbsent(a.getKey(), d -> new ArrayList<>())
                            .add(new MixTerm(a.getValue(), kind, amount, phrase));
                    lastMixDimension = a.getKey();
                    primary = false;
                } else {
                    secondary.add(new Object[] {a.getKey(), a.getValue(), kind, amount, phrase});
                }
            }
        }

        /** Secondary values of mix items ("jerseys" in "60% red jerseys") fix the dimension when all agree. */
        void resolveSecondary() {
            Map<String, List<Object[]>> byDim = new LinkedHashMap<>();
            for (Object[] s : secondary) {
                byDim.computeIfAbsent((String) s[0], d -> new ArrayList<>()).add(s);
            }
            for (Map.Entry<String, List<Object[]>> e : byDim.entrySet()) {
                String dim = e.getKey();
                boolean agree = e.getValue().stream().allMatch(s -> s[1].equals(e.getValue().get(0)[1]));
                if (explicit.containsKey(dim) || namedMixes.containsKey(dim) || !agree) {
                    if (!fixed.containsKey(dim) && !namedMixes.containsKey(dim)) {
                        for (Object[] s : e.getValue()) {
                            explicit.computeIfAbsent(dim, d -> new ArrayList<>()).add(
                                    new MixTerm((String) s[1], (MixTerm.Kind) s[2], (Double) s[3], (String) s[4]));
                        }
                    }
                } else if (!fixed.containsKey(dim)) {
                    fixed.put(dim, (String) e.getValue().get(0)[1]);
                    fixedWords.put(dim, (String) e.getValue().get(0)[4]);
                }
            }
        }

        record Quantity(MixTerm.Kind kind, double amount, int end, String phrase) {
        }

        Quantity quantity(int i) {
            String token = t.get(i);
            // "60%" or "60 percent"
            if (Words.isNumber(token) && i + 1 < t.size() && !used[i + 1]
                    && (t.get(i + 1).equals("%") || t.get(i + 1).equals("percent") || t.get(i + 1).equals("per"))) {
                double pct = Words.number(token);
                int end = i + 2;
                if (t.get(i + 1).equals("per") && end < t.size() && t.get(end).equals("cent")) {
                    end++;
                }
                String phrase = token + "%";
                if (pct < 0) {
                    throw error(phrase + " is below 0%; a share must be between 0% and 100%");
                }
                if (pct > 100) {
                    throw error(phrase + " is more than 100%; a share must be between 0% and 100%");
                }
                return new Quantity(MixTerm.Kind.SHARE, pct / 100.0, end, phrase);
            }
            // "half", "a third", "two thirds" (unless it is a count such as "half a dozen")
            Map.Entry<List<String>, Double> fraction = longest(lexicon.fractions, i);
            Map.Entry<List<String>, Integer> numberPhrase = longest(lexicon.numberPhrases, i);
            if (fraction != null && (numberPhrase == null || numberPhrase.getKey().size() <= fraction.getKey().size())) {
                int end = i + fraction.getKey().size();
                return new Quantity(MixTerm.Kind.SHARE, fraction.getValue(), end, String.join(" ", fraction.getKey()));
            }
            for (List<String> rest : lexicon.rest) {
                if (matches(rest, i)) {
                    return new Quantity(MixTerm.Kind.REST, 0, i + rest.size(), String.join(" ", rest));
                }
            }
            Number n = numberAt(i);
            if (n == null) {
                return null;
            }
            // "two of them", "2 of those"
            if (n.end + 1 < t.size() && t.get(n.end).equals("of") && OF_THEM.contains(t.get(n.end + 1))) {
                if (n.value < 0) {
                    throw error("a count cannot be negative, got " + n.value);
                }
                return new Quantity(MixTerm.Kind.COUNT, n.value, n.end + 2, String.join(" ", t.subList(i, n.end + 2)));
            }
            // "1 in 3", "one out of four"
            int k = n.end;
            if (k < t.size() && t.get(k).equals("in")) {
                k++;
            } else if (k + 1 < t.size() && t.get(k).equals("out") && t.get(k + 1).equals("of")) {
                k += 2;
            } else {
                return null;
            }
            Number of = numberAt(k);
            if (of == null) {
                return null;
            }
            String phrase = String.join(" ", t.subList(i, of.end));
            if (of.value <= 0 || n.value < 0 || n.value > of.value) {
                throw error("'" + phrase + "' is not a share of the group; write e.g. '1 in 3'");
            }
            return new Quantity(MixTerm.Kind.SHARE, (double) n.value / of.value, of.end, phrase);
        }

        /** A mix item: a pattern ("red jerseys", "with glasses") or a bare value word ("blue"). */
        Match itemAt(int i, String quantity) {
            Match pattern = patternAt(i);
            if (pattern != null) {
                return pattern;
            }
            List<String> candidates = new ArrayList<>();
            String value = null;
            int end = i;
            for (Dimension d : lexicon.dimensions.values()) {
                for (List<String> words : lexicon.slotWords(d.name(), false)) {
                    if (matches(words, i)) {
                        candidates.add(d.name());
                        if (d.name().equals(lastMixDimension) || value == null) {
                            value = d.valueForWord(String.join(" ", words));
                            end = i + words.size();
                        }
                        break;
                    }
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            String dim;
            if (candidates.contains(lastMixDimension)) {
                dim = lastMixDimension;
            } else if (candidates.size() == 1) {
                dim = candidates.get(0);
            } else {
                throw error("'" + quantity + " " + t.get(i) + "' is ambiguous: '" + t.get(i) + "' could be "
                        + String.join(" or ", candidates) + "; say which, e.g. '" + quantity + " " + t.get(i)
                        + " jerseys'");
            }
            Dimension d = lexicon.dimensions.get(dim);
            for (List<String> words : lexicon.slotWords(dim, false)) {
                if (matches(words, i)) {
                    value = d.valueForWord(String.join(" ", words));
                    end = i + words.size();
                    break;
                }
            }
            Map<String, String> assignment = new LinkedHashMap<>();
            assignment.put(dim, value);
            return new Match(end, assignment);
        }

        // ---- styles, named mixes ----------------------------------------------------------------

        void readStyles() {
            for (int i = 0; i < t.size(); i++) {
                if (used[i]) {
                    continue;
                }
                if (matches(lexicon.styleFree, i)) {
                    int end = clauseEnd(i + lexicon.styleFree.size());
                    if (end > i + lexicon.styleFree.size()) {
                        styleWords = String.join(" ", t.subList(i, end));
                        markUsed(i, end);
                        i = end - 1;
                        continue;
                    }
                }
                String bestId = null;
                int bestLength = 0;
                for (Map.Entry<String, List<List<String>>> style : lexicon.styles.entrySet()) {
                    for (List<String> phrase : style.getValue()) {
                        if (phrase.size() > bestLength && matches(phrase, i)) {
                            bestId = style.getKey();
                            bestLength = phrase.size();
                        }
                    }
                }
                if (bestId != null) {
                    styleId = bestId;
                    markUsed(i, i + bestLength);
                    i += bestLength - 1;
                }
            }
        }

        void readNamedMixes() {
            for (int i = 0; i < t.size(); i++) {
                String bestDim = null;
                List<String> best = null;
                for (Dimension d : lexicon.dimensions.values()) {
                    for (String mix : d.mixes()) {
                        List<String> phrase = Words.tokens(mix);
                        if ((best == null || phrase.size() > best.size()) && matches(phrase, i)) {
                            best = phrase;
                            bestDim = d.name();
                        }
                    }
                }
                if (best != null) {
                    if (!explicit.containsKey(bestDim)) {
                        namedMixes.put(bestDim, String.join(" ", best));
                    }
                    markUsed(i, i + best.size());
                    i += best.size() - 1;
                }
            }
        }

        // ---- count ----------------------------------------------------------------------------

        void readCount() {
            for (int i = 0; i < t.size(); i++) {
                if (used[i]) {
                    continue;
                }
                String token = t.get(i);
                if (Words.isNumber(token)) {
                    double value = Words.number(token);
                    if (value != Math.rint(value)) {
                        throw error("'" + token + "' is not a whole number of subjects");
                    }
                    if (value < 1) {
                        throw error("a group needs at least 1 subject, got " + token);
                    }
                    if (value > lexicon.maxSubjects) {
                        throw error(tooMany(token));
                    }
                    setCount((int) value, token);
                    used[i] = true;
                    continue;
                }
                Number n = numberAt(i);
                if (n != null) {
                    String words = String.join(" ", t.subList(i, n.end));
                    if (n.value > lexicon.maxSubjects) {
                        throw error(tooMany(words));
                    }
                    if (n.value < 1) {
                        throw error("a group needs at least 1 subject, got '" + words + "'");
                    }
                    setCount(n.value, words);
                    markUsed(i, n.end);
                    i = n.end - 1;
                }
            }
        }

        String tooMany(String words) {
            return "'" + words + "' subjects is more than the " + lexicon.maxSubjects
                    + " Troupe can place in one image; ask for " + lexicon.maxSubjects + " or fewer";
        }

        void setCount(int value, String words) {
            if (count != null && count != value) {
                throw error("the request gives two counts, '" + countWords + "' and '" + words + "'; give one");
            }
            count = value;
            countWords = words;
        }

        record Number(int value, int end) {
        }

        /** A count at position i: digits, number words ("twenty one", "twenty-one") or phrases ("a dozen"). */
        Number numberAt(int i) {
            if (i >= t.size() || used[i]) {
                return null;
            }
            Map.Entry<List<String>, Integer> phrase = longest(lexicon.numberPhrases, i);
            if (phrase != null) {
                return new Number(phrase.getValue(), i + phrase.getKey().size());
            }
            String token = t.get(i);
            if (Words.isNumber(token)) {
                double v = Words.number(token);
                return v == Math.rint(v) && Math.abs(v) < Integer.MAX_VALUE ? new Number((int) v, i + 1) : null;
            }
            long value = 0;
            long current = 0;
            int k = i;
            boolean any = false;
            while (k < t.size() && !used[k]) {
                String[] parts = t.get(k).split("-");
                boolean allNumberWords = true;
                for (String part : parts) {
                    allNumberWords &= lexicon.units.containsKey(part) || lexicon.tens.containsKey(part);
                }
                if (!allNumberWords) {
                    break;
                }
                for (String part : parts) {
                    if (part.equals("hundred") || part.equals("thousand")) {
                        current = Math.max(current, 1) * lexicon.tens.get(part);
                        if (part.equals("thousand")) {
                            value += current;
                            current = 0;
                        }
                    } else {
                        current += lexicon.units.containsKey(part) ? lexicon.units.get(part) : lexicon.tens.get(part);
                    }
                }
                any = true;
                k++;
            }
            if (!any) {
                return null;
            }
            return new Number((int) Math.min(value + current, Integer.MAX_VALUE), k);
        }

        // ---- fixed attributes -----------------------------------------------------------------

        void readFixedAttributes() {
            for (int i = 0; i < t.size(); i++) {
                if (used[i]) {
                    continue;
                }
                Match m = patternAt(i);
                if (m == null) {
                    continue;
                }
                String phrase = String.join(" ", t.subList(i, m.end));
                for (Map.Entry<String, String> a : m.assignments.entrySet()) {
                    fix(a.getKey(), a.getValue(), phrase);
                }
                int start = i;
                while (start > 0 && !used[start - 1] && lexicon.glue.contains(t.get(start - 1))) {
                    start--;
                }
                markUsed(start, m.end);
                i = m.end - 1;
            }
        }

        void fix(String dim, String value, String phrase) {
            if (explicit.containsKey(dim) || namedMixes.containsKey(dim)) {
                String mix = namedMixes.containsKey(dim) ? namedMixes.get(dim) : explicit.get(dim).get(0).phrase();
                throw error("'" + phrase + "' sets " + dim + " for everyone, but '" + mix + "' asks for a mix; keep one");
            }
            String before = fixed.get(dim);
            if (before != null && !before.equals(value)) {
                throw error("'" + fixedWords.get(dim) + "' and '" + phrase + "' both set " + dim
                        + " for everyone; keep one, or ask for a mix such as 'half of them " + phrase + "'");
            }
            fixed.put(dim, value);
            fixedWords.put(dim, phrase);
        }

        // ---- scene, subject -------------------------------------------------------------------

        void readScene() {
            for (int i = 0; i < t.size(); i++) {
                if (used[i]) {
                    continue;
                }
                for (List<String> preposition : lexicon.scenePrepositions) {
                    int after = i + preposition.size();
                    if (!matches(preposition, i) || after >= t.size() || used[after] || Words.isPunctuation(t.get(after))) {
                        continue;
                    }
                    int end = clauseEnd(after);
                    List<String> clause = t.subList(i, end);
                    sceneWords = String.join(" ", clause);
                    sceneId = null;
                    outer:
                    for (Map.Entry<String, List<List<String>>> scene : lexicon.scenes.entrySet()) {
                        for (List<String> phrase : scene.getValue()) {
                            if (java.util.Collections.indexOfSubList(clause, phrase) >= 0) {
                                sceneId = scene.getKey();
                                break outer;
                            }
                        }
                    }
                    markUsed(i, end);
                    return;
                }
            }
        }

        void readSubject() {
            List<Integer> left = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                if (!used[i] && !Words.isPunctuation(t.get(i)) && !lexicon.stopwords.contains(t.get(i))) {
                    left.add(i);
                }
            }
            int head = -1;
            for (int k = left.size() - 1; k >= 0 && head < 0; k--) {
                if (lexicon.personNoun(t.get(left.get(k))) != null) {
                    head = k;
                }
            }
            boolean headIsPerson = head >= 0;
            for (int k = left.size() - 1; k >= 0 && head < 0; k--) {
                if (lexicon.collective(t.get(left.get(k))) != null) {
                    head = k;
                }
            }
            String collective = null;
            for (int index : left) {
                String c = lexicon.collective(t.get(index));
                if (c != null && collective == null) {
                    collective = c;
                }
            }
            List<String> after = new ArrayList<>();
            for (int k = head + 1; k < left.size(); k++) {
                after.add(t.get(left.get(k)));
            }
            if (head < 0 && !after.isEmpty()) {
                throw error("did not understand '" + String.join(" ", after) + "'; Troupe draws groups of people"
                        + " (nouns it knows are listed in prompts/src/main/resources/troupe/requests.yaml)");
            }
            if (!after.isEmpty()) {
                throw error("did not understand '" + String.join(" ", after) + "' after '"
                        + t.get(left.get(head)) + "'");
            }
            if (head >= 0) {
                String word = t.get(left.get(head));
                subjectHead = headIsPerson ? lexicon.personNoun(word) : lexicon.collectives.get(lexicon.collective(word)).member();
                List<String> modifiers = new ArrayList<>();
                for (int k = 0; k < head; k++) {
                    String m = t.get(left.get(k));
                    if (lexicon.collective(m) == null) {
                        modifiers.add(m);
                    }
                }
                modifiers.add(subjectHead);
                subjectWords = String.join(" ", modifiers);
                for (String m : modifiers) {
                    Map<String, String> implied = lexicon.implies.get(lexicon.singular(m));
                    if (implied == null) {
                        implied = lexicon.implies.get(m);
                    }
                    if (implied != null) {
                        implied.forEach((dim, value) -> {
                            if (!fixed.containsKey(dim) && !namedMixes.containsKey(dim) && !explicit.containsKey(dim)) {
                                fixed.put(dim, value);
                                fixedWords.put(dim, m);
                            }
                        });
                    }
                }
            } else if (fixed.isEmpty() && namedMixes.isEmpty() && explicit.isEmpty()) {
                throw error("did not find who is in the group; name them, e.g. 'five nurses' or 'a team of 5 women'");
            }
            if (count == null && collective != null && lexicon.collectives.get(collective).count() > 0) {
                count = lexicon.collectives.get(collective).count();
                countWords = collective;
            }
        }

        // ---- matching helpers -----------------------------------------------------------------

        record Match(int end, Map<String, String> assignments) {
        }

        /** The longest pattern ("{top} {top_kind}") that matches unused tokens from position i. */
        Match patternAt(int i) {
            Match best = null;
            for (List<Lexicon.PatternElement> pattern : lexicon.patterns) {
                Match m = matchPattern(pattern, 0, i, new LinkedHashMap<>(), pattern.size() == 1);
                if (m != null && (best == null || m.end > best.end)) {
                    best = m;
                }
            }
            return best;
        }

        Match matchPattern(List<Lexicon.PatternElement> pattern, int e, int pos, Map<String, String> assigned, boolean alone) {
            if (e == pattern.size()) {
                return new Match(pos, new LinkedHashMap<>(assigned));
            }
            if (pos >= t.size() || used[pos]) {
                return null;
            }
            Lexicon.PatternElement element = pattern.get(e);
            if (!element.isSlot()) {
                return element.literal().equals(t.get(pos)) ? matchPattern(pattern, e + 1, pos + 1, assigned, alone) : null;
            }
            Dimension d = lexicon.dimensions.get(element.dimension());
            Match best = null;
            boolean affixed = !element.prefix().isEmpty() || !element.suffix().isEmpty();
            for (List<String> words : lexicon.slotWords(element.dimension(), alone && !affixed)) {
                int end;
                if (affixed) {
                    String token = t.get(pos);
                    if (words.size() != 1 || !token.equals(element.prefix() + words.get(0) + element.suffix())) {
                        continue;
                    }
                    end = pos + 1;
                } else if (matches(words, pos)) {
                    end = pos + words.size();
                } else {
                    continue;
                }
                Map<String, String> next = new LinkedHashMap<>(assigned);
                next.put(d.name(), d.valueForWord(String.join(" ", words)));
                Match m = matchPattern(pattern, e + 1, end, next, alone);
                if (m != null && (best == null || m.end > best.end)) {
                    best = m;
                }
            }
            return best;
        }

        boolean matches(List<String> phrase, int i) {
            if (phrase.isEmpty() || i + phrase.size() > t.size()) {
                return false;
            }
            for (int k = 0; k < phrase.size(); k++) {
                if (used[i + k] || !phrase.get(k).equals(t.get(i + k))) {
                    return false;
                }
            }
            return true;
        }

        <V> Map.Entry<List<String>, V> longest(Map<List<String>, V> phrases, int i) {
            Map.Entry<List<String>, V> best = null;
            for (Map.Entry<List<String>, V> e : phrases.entrySet()) {
                if ((best == null || e.getKey().size() > best.getKey().size()) && matches(e.getKey(), i)) {
                    best = e;
                }
            }
            return best;
        }

        /** The end of the clause that starts at i: the next used token, comma or the end. */
        int clauseEnd(int i) {
            int end = i;
            while (end < t.size() && !used[end] && !Words.isPunctuation(t.get(end))) {
                end++;
            }
            return end;
        }

        void markUsed(int from, int to) {
            for (int k = from; k < to; k++) {
                used[k] = true;
            }
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
