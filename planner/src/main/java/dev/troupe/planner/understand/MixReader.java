package dev.troupe.planner.understand;

import dev.troupe.planner.MixTerm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pass 3, mixes: what a request wants to vary across a part of the group. Named mixes ("multiracial", "of mixed
 * skin tones", "of all ages and ethnicities"); shares ("60% red jerseys and 40% blue", "two of them with glasses",
 * "half of them women and the rest men", "some of them wearing glasses"); and lists, which are even mixes of the
 * values listed ("in red, blue and green jerseys"). "All of them" with an attribute is no mix: it is fixed for the
 * part ("all wearing glasses"), and with a named mix it is that mix ("all of them diverse").
 */
final class MixReader {

    private final RequestWords w;
    private final AttributePatterns patterns;

    MixReader(RequestWords words, AttributePatterns patterns) {
        this.w = words;
        this.patterns = patterns;
    }

    List<Statement> read(Sentence s, Phrases p, Groups g, List<String> notices) {
        List<Statement> out = new ArrayList<>();
        String lastDimension = null;
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i)) {
                continue;
            }
            int scope = g.scope()[i];
            int named = namedMix(s, i, scope, out);
            if (named > i) {
                i = named - 1;
                continue;
            }
            Quantity q = p.startingAt(i);
            if (q != null && !q.isCount() && s.free(q.end() - 1)) {
                int end = terms(s, p, q, scope, out, notices, lastDimension);
                if (end > i) {
                    lastDimension = out.isEmpty() ? lastDimension : out.get(out.size() - 1).dimension();
                    i = end - 1;
                    continue;
                }
            }
            int list = list(s, i, scope, out, lastDimension);
            if (list > i) {
                lastDimension = out.get(out.size() - 1).dimension();
                i = list - 1;
            }
        }
        return out;
    }

    /** "multiracial", "of mixed skin tones", "of all ages and ethnicities": the token after it, or i. */
    private int namedMix(Sentence s, int i, int scope, List<Statement> out) {
        String bestDim = null;
        List<String> best = null;
        for (Map.Entry<String, List<List<String>>> e : w.namedMixes.entrySet()) {
            List<String> phrase = s.longest(e.getValue(), i);
            if (phrase != null && (best == null || phrase.size() > best.size())) {
                best = phrase;
                bestDim = e.getKey();
            }
        }
        List<String> mixWord = s.longest(w.mixWords, i);
        if (mixWord != null) {
            // a mix word and the nouns of one or more dimensions: "mixed ages", "all ages and ethnicities"
            List<String> dims = new ArrayList<>();
            int k = i + mixWord.size();
            while (k < s.size()) {
                Map.Entry<String, Integer> noun = dimensionNounAt(s, k);
                if (noun == null) {
                    break;
                }
                dims.add(noun.getKey());
                k += noun.getValue();
                int next = k;
                if (next < s.size() && (s.at(next).equals("and") || s.at(next).equals(",") || s.at(next).equals("&"))) {
                    next++;
                }
                if (next > k && next < s.size() && (s.at(next).equals("and"))) {
                    next++;
                }
                if (next == k || !startsDimensionNoun(s, next)) {
                    break;
                }
                k = next;
            }
            if (!dims.isEmpty() && (best == null || k - i > best.size())) {
                String words = s.words(i, k);
                for (String dim : dims) {
                    out.add(new Statement(scope, dim, Statement.Kind.NAMED_MIX, null, null, words));
                }
                s.take(i, k, "mix");
                return k;
            }
        }
        if (best != null) {
            int end = i + best.size();
            List<String> dims = new ArrayList<>(List.of(bestDim));
            // "of all ages and ethnicities": more dimensions' nouns after the phrase
            while (end + 1 < s.size() && (s.at(end).equals("and") || s.at(end).equals(",") || s.at(end).equals("&"))) {
                Map.Entry<String, Integer> noun = dimensionNounAt(s, end + 1);
                if (noun == null) {
                    break;
                }
                dims.add(noun.getKey());
                end += 1 + noun.getValue();
            }
            String words = s.words(i, end);
            for (String dim : dims) {
                out.add(new Statement(scope, dim, Statement.Kind.NAMED_MIX, null, null, words));
            }
            s.take(i, end, "mix");
            return end;
        }
        return i;
    }

    private boolean startsDimensionNoun(Sentence s, int k) {
        return dimensionNounAt(s, k) != null;
    }

    /** The dimension whose noun stands at k ("skin tones", "ages") and the noun's length in tokens, or null. */
    private Map.Entry<String, Integer> dimensionNounAt(Sentence s, int k) {
        Map.Entry<String, Integer> best = null;
        for (Map.Entry<String, List<List<String>>> e : w.dimensionNouns.entrySet()) {
            List<String> n = s.longest(e.getValue(), k);
            if (n != null && (best == null || n.size() > best.getValue())) {
                best = Map.entry(e.getKey(), n.size());
            }
        }
        return best;
    }

    /**
     * A share and what it is of, then any further terms joined by "and" or commas ("60% red jerseys and 40% blue",
     * "half women and the rest men"). Returns the token after the last term, or the share's start when no term was
     * read (the share is then left alone, with a notice).
     */
    private int terms(Sentence s, Phrases p, Quantity q, int scope, List<Statement> out, List<String> notices,
                      String lastDimension) {
        int i = q.start();
        int end = readTerm(s, q, scope, out, lastDimension);
        if (end < 0) {
            if (q.kind() != Quantity.Kind.EVERYONE) {
                notices.add("could not tell what '" + q.words() + "' is a share of, so it was left out; name a value "
                        + "after it, e.g. '" + q.words() + " with glasses' or '" + q.words() + " in red jerseys'");
                s.take(q.start(), q.end(), "mix");
            }
            return i;
        }
        String dim = out.get(out.size() - 1).dimension();
        while (end < s.size()) {
            int k = end;
            if (s.at(k).equals("and") || s.at(k).equals(",") || s.at(k).equals("while") || s.at(k).equals("but")) {
                k++;
            }
            if (k < s.size() && s.at(k).equals("and")) {
                k++;
            }
            if (k == end || k >= s.size()) {
                break;
            }
            Quantity next = p.startingAt(k);
            if (next != null && !next.isCount() && next.kind() != Quantity.Kind.EVERYONE && s.free(k)) {
                int after = readTerm(s, next, scope, out, dim);
                if (after < 0) {
                    break;
                }
                s.take(end, k, "mix");
                end = after;
                continue;
            }
            // "60% red jerseys and 40% blue" reads on; "... and blue" alone: another value of the same dimension
            break;
        }
        return end;
    }

    /** One share and its item; returns the token after the item, or -1 when nothing after the share is a value. */
    private int readTerm(Sentence s, Quantity q, int scope, List<Statement> out, String lastDimension) {
        int j = q.end();
        int skipped = 0;
        AttributePatterns.Match item = null;
        String dim = null;
        while (j < s.size() && s.free(j) && skipped <= 4) {
            if (q.kind() == Quantity.Kind.EVERYONE && namedMix(s, j, scope, out) > j) {
                s.take(q.start(), j, "mix"); // "all of them diverse": the named mix, for the scope
                return lastTaken(s, j);
            }
            item = patterns.patternAt(s, j);
            if (item == null) {
                Map<String, AttributePatterns.Match> values = patterns.valuesAt(s, j);
                if (!values.isEmpty()) {
                    dim = patterns.dimensionOf(s, j + 1, new ArrayList<>(values.keySet()), lastDimension);
                    item = values.get(dim);
                }
            }
            if (item != null) {
                break;
            }
            String token = s.at(j);
            if (!(w.mixFiller.contains(token) || w.collective(token) != null || w.personNoun(token) != null)) {
                break;
            }
            j++;
            skipped++;
        }
        if (item == null) {
            return -1;
        }
        String phrase = s.words(q.start(), item.end());
        boolean primary = true;
        for (Map.Entry<String, String> v : item.values().entrySet()) {
            if (q.kind() == Quantity.Kind.EVERYONE) {
                out.add(new Statement(scope, v.getKey(), Statement.Kind.FIXED, v.getValue(), null, phrase));
                continue;
            }
            MixTerm term = new MixTerm(v.getValue(), kindOf(q), q.kind() == Quantity.Kind.REST ? 0 : q.amount(), phrase);
            // the first value is the term's own; the others came along with it ("jerseys" in "60% red jerseys")
            out.add(new Statement(scope, v.getKey(), primary ? Statement.Kind.TERM : Statement.Kind.ALONGSIDE,
                    v.getValue(), term, phrase));
            primary = false;
        }
        s.take(q.start(), item.end(), "mix");
        return item.end();
    }

    private static int lastTaken(Sentence s, int j) {
        int k = j;
        while (k < s.size() && "mix".equals(s.takenBy(k))) {
            k++;
        }
        return k;
    }

    private static MixTerm.Kind kindOf(Quantity q) {
        return switch (q.kind()) {
            case COUNT_OF -> MixTerm.Kind.COUNT;
            case REST -> MixTerm.Kind.REST;
            default -> MixTerm.Kind.SHARE;
        };
    }

    /**
     * "red and blue", "red, blue and green jerseys": values of one dimension in a list are an even mix of them.
     * Returns the token after the list (and the noun after it), or i.
     */
    private int list(Sentence s, int i, int scope, List<Statement> out, String lastDimension) {
        List<Map<String, AttributePatterns.Match>> items = new ArrayList<>();
        int k = i;
        while (true) {
            Map<String, AttributePatterns.Match> values = patterns.valuesAt(s, k);
            if (values.isEmpty()) {
                break;
            }
            items.add(values);
            k = values.values().iterator().next().end();
            int next = k;
            if (next < s.size() && (s.at(next).equals(",") || s.at(next).equals("and") || s.at(next).equals("or")
                    || s.at(next).equals("&") || s.at(next).equals("/"))) {
                next++;
                if (next < s.size() && (s.at(next).equals("and") || s.at(next).equals("or"))) {
                    next++;
                }
            }
            if (next == k || patterns.valuesAt(s, next).isEmpty()) {
                break;
            }
            k = next;
        }
        if (items.size() < 2) {
            return i;
        }
        List<String> common = new ArrayList<>(items.get(0).keySet());
        for (Map<String, AttributePatterns.Match> item : items) {
            common.retainAll(item.keySet());
        }
        String noun = k < s.size() ? patterns.colourNounAt(s, k) : null;
        if (noun != null) {
            common.retainAll(List.of(noun));
        }
        if (common.isEmpty()) {
            return i;
        }
        String dim = patterns.dimensionOf(s, k, common, lastDimension);
        List<String> values = new ArrayList<>();
        for (Map<String, AttributePatterns.Match> item : items) {
            String v = item.get(dim).values().get(dim);
            if (!values.contains(v)) {
                values.add(v);
            }
        }
        if (values.size() < 2) {
            return i;
        }
        int end = k;
        if (noun != null) {
            // "jerseys" after the list: the kind of top is fixed too
            AttributePatterns.Match kind = patterns.patternAt(s, k);
            if (kind != null) {
                String words = s.words(k, kind.end());
                kind.values().forEach((d, v) -> out.add(new Statement(scope, d, Statement.Kind.FIXED, v, null, words)));
                end = kind.end();
            } else {
                end = k + 1;
            }
        }
        String phrase = s.words(i, end);
        for (String v : values) {
            out.add(new Statement(scope, dim, Statement.Kind.TERM, v,
                    new MixTerm(v, MixTerm.Kind.SHARE, 1.0 / values.size(), phrase), phrase));
        }
        s.take(i, end, "mix");
        return end;
    }
}
