package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pass 1, tokens and phrases: takes the words around a request that say nothing about the picture ("please draw
 * me"), the fixed phrases of styles and layouts ("in watercolor", "in two rows"), and finds every number and share.
 * Numbers and shares are not taken here: the pass that uses one takes it.
 */
final class PhraseReader {

    private static final Set<String> OF_THEM = Set.of("them", "those", "these", "whom", "us", "which");
    private static final Set<String> PERCENT = Set.of("%", "percent", "per", "pct");

    private final RequestWords w;

    PhraseReader(RequestWords words) {
        this.w = words;
    }

    Phrases read(Sentence s) {
        takeFrames(s);
        String style = null;
        String layout = null;
        boolean interleave = false;
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i)) {
                continue;
            }
            for (Map.Entry<String, List<List<String>>> e : w.layouts.entrySet()) {
                List<String> p = s.longest(e.getValue(), i);
                if (p != null && layout == null) {
                    layout = e.getKey();
                    s.take(i, i + p.size(), "layout");
                }
            }
            List<String> mixed = s.longest(w.interleave, i);
            if (mixed != null) {
                interleave = true;
                s.take(i, i + mixed.size(), "layout");
            }
            for (Map.Entry<String, List<List<String>>> e : w.styles.entrySet()) {
                List<String> p = s.longest(e.getValue(), i);
                // a lone style word ("photo") only where nothing follows it that it could describe ("photo studio")
                if (p != null && style == null && (p.size() > 1 || endsClause(s, i + 1))) {
                    style = e.getKey();
                    int from = i > 0 && (s.at(i - 1).equals("a") || s.at(i - 1).equals("an")) ? i - 1 : i;
                    int to = i + p.size();
                    if (to < s.size() && s.at(to).equals("of")) {
                        to++; // "a pencil sketch of two men": the style's words, not a place's
                    }
                    s.take(from, to, "style");
                }
            }
        }
        return new Phrases(quantities(s), style, layout, interleave);
    }

    /** "please draw me an image of ..." at the start, "please" and "thanks" at the end. */
    private void takeFrames(Sentence s) {
        int i = 0;
        while (i < s.size()) {
            List<String> frame = s.longest(w.frames, i);
            if (frame == null) {
                break;
            }
            s.take(i, i + frame.size(), "frame");
            i += frame.size();
        }
        for (int k = i; k < s.size(); k++) {
            List<String> frame = s.longest(w.frames, k);
            if (frame != null && (k + frame.size() == s.size() || s.isPunctuation(k + frame.size()))
                    && (k == 0 || s.isPunctuation(k - 1) || frame.equals(List.of("please")))) {
                s.take(k, k + frame.size(), "frame");
            }
        }
    }

    private static boolean endsClause(Sentence s, int i) {
        return i >= s.size() || s.isPunctuation(i) || s.at(i).equals("and") || s.at(i).equals("with")
                || s.at(i).equals("style") || !s.free(i);
    }

    /** Every number and share of the request, longest first where two could start at one token. */
    private List<Quantity> quantities(Sentence s) {
        List<Quantity> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i)) {
                continue;
            }
            Quantity q = quantityAt(s, i);
            if (q != null) {
                out.add(q);
                i = q.end() - 1;
            }
        }
        return List.copyOf(out);
    }

    private Quantity quantityAt(Sentence s, int i) {
        // "60%", "60 percent", "60 per cent"
        Number n = numberAt(s, i);
        if (n != null && n.end < s.size() && PERCENT.contains(s.at(n.end)) && s.free(n.end)) {
            int end = n.end + 1;
            if (s.at(n.end).equals("per") && end < s.size() && s.at(end).equals("cent")) {
                end++;
            } else if (s.at(n.end).equals("per")) {
                return new Quantity(Quantity.Kind.COUNT, n.value, i, n.end, s.words(i, n.end));
            }
            String words = s.words(i, n.end) + "%";
            if (n.value < 0) {
                throw RuleReader.refuse(w, words + " is below 0%; a share must be between 0% and 100%");
            }
            if (n.value > 100) {
                throw RuleReader.refuse(w, words + " is more than 100%; a share must be between 0% and 100%");
            }
            return new Quantity(Quantity.Kind.SHARE, n.value / 100.0, i, end, words);
        }
        if (n != null) {
            // "two of them", "4 of whom", "two of the five"
            int k = n.end;
            if (k + 1 < s.size() && s.at(k).equals("of") && (OF_THEM.contains(s.at(k + 1)) || s.at(k + 1).equals("the"))) {
                int end = k + 2;
                if (s.at(k + 1).equals("the")) {
                    Number of = numberAt(s, end);
                    if (of == null) {
                        return plainNumber(s, i, n);
                    }
                    end = of.end;
                }
                if (n.value < 0) {
                    throw RuleReader.refuse(w, "a count cannot be negative, got " + s.words(i, n.end));
                }
                return new Quantity(Quantity.Kind.COUNT_OF, n.value, i, end, s.words(i, end));
            }
            // "1 in 3", "one out of four"
            int after = -1;
            if (k < s.size() && s.at(k).equals("in")) {
                after = k + 1;
            } else if (k + 1 < s.size() && s.at(k).equals("out") && s.at(k + 1).equals("of")) {
                after = k + 2;
            }
            Number of = after < 0 ? null : numberAt(s, after);
            if (of != null) {
                String words = s.words(i, of.end);
                if (of.value <= 0 || n.value < 0 || n.value > of.value) {
                    throw RuleReader.refuse(w, "'" + words + "' is not a share of the group; write e.g. '1 in 3'");
                }
                return new Quantity(Quantity.Kind.SHARE, n.value / of.value, i, of.end, words);
            }
        }
        Map.Entry<List<String>, Double> fraction = s.longest(w.fractions, i);
        Map.Entry<List<String>, Integer> rough = s.longest(w.vague, i);
        int numberLength = n == null ? 0 : n.end - i;
        if (fraction != null && fraction.getKey().size() > numberLength) {
            int end = i + fraction.getKey().size();
            boolean shareOfThem = end + 1 < s.size() && s.at(end).equals("of") && OF_THEM.contains(s.at(end + 1));
            if (rough != null && rough.getKey().size() >= fraction.getKey().size() && !shareOfThem
                    && beforeAPersonNoun(s, i + rough.getKey().size())) {
                // "a few friends": a rough count; "a few of them": a share
                return new Quantity(Quantity.Kind.ROUGH_COUNT, rough.getValue(), i, i + rough.getKey().size(),
                        s.words(i, i + rough.getKey().size()));
            }
            if (shareOfThem) {
                end += 2;
            }
            return new Quantity(Quantity.Kind.SHARE, fraction.getValue(), i, end, s.words(i, end));
        }
        if (rough != null && rough.getKey().size() > numberLength) {
            int end = i + rough.getKey().size();
            return new Quantity(Quantity.Kind.ROUGH_COUNT, rough.getValue(), i, end, s.words(i, end));
        }
        List<String> rest = s.longest(w.rest, i);
        if (rest != null && rest.size() > numberLength) {
            int end = i + rest.size();
            if (end + 1 < s.size() && s.at(end).equals("of") && OF_THEM.contains(s.at(end + 1))) {
                end += 2;
            }
            return new Quantity(Quantity.Kind.REST, 0, i, end, s.words(i, end));
        }
        List<String> everyone = s.longest(w.everyone, i);
        if (everyone != null && everyone.size() > numberLength) {
            return new Quantity(Quantity.Kind.EVERYONE, 0, i, i + everyone.size(), s.words(i, i + everyone.size()));
        }
        return n == null ? null : plainNumber(s, i, n);
    }

    private Quantity plainNumber(Sentence s, int i, Number n) {
        return new Quantity(Quantity.Kind.COUNT, n.value, i, n.end, s.words(i, n.end));
    }

    /** Whether a person noun or a group noun comes before the clause ends: "a few (young) friends". */
    private boolean beforeAPersonNoun(Sentence s, int i) {
        for (int k = i; k < s.size() && k < i + 4; k++) {
            String token = s.at(k);
            if (s.isPunctuation(k) || token.equals("of") || token.equals("and")) {
                return false;
            }
            if (w.personNoun(token) != null || w.collective(token) != null) {
                return true;
            }
        }
        return false;
    }

    private record Number(double value, int end) {
    }

    /** A number at i: digits, number words ("twenty one", "twenty-one") or phrases ("a dozen"). */
    private Number numberAt(Sentence s, int i) {
        if (!s.free(i)) {
            return null;
        }
        Map.Entry<List<String>, Integer> phrase = s.longest(w.numberPhrases, i);
        if (phrase != null) {
            return new Number(phrase.getValue(), i + phrase.getKey().size());
        }
        String token = s.at(i);
        if (Words.isNumber(token)) {
            return new Number(Words.number(token), i + 1);
        }
        long value = 0;
        long current = 0;
        int k = i;
        boolean any = false;
        while (k < s.size() && s.free(k)) {
            String[] parts = s.at(k).split("-");
            boolean allNumberWords = true;
            for (String part : parts) {
                allNumberWords &= w.units.containsKey(part) || w.tens.containsKey(part);
            }
            if (!allNumberWords) {
                break;
            }
            for (String part : parts) {
                if (part.equals("hundred") || part.equals("thousand")) {
                    current = Math.max(current, 1) * w.tens.get(part);
                    if (part.equals("thousand")) {
                        value += current;
                        current = 0;
                    }
                } else {
                    current += w.units.containsKey(part) ? w.units.get(part) : w.tens.get(part);
                }
            }
            any = true;
            k++;
        }
        return any ? new Number(Math.min(value + current, Integer.MAX_VALUE), k) : null;
    }
}
