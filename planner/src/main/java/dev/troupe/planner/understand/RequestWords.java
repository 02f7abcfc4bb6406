package dev.troupe.planner.understand;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.planner.Dimension;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.troupe.planner.Resources.require;
import static dev.troupe.planner.Resources.stringMap;
import static dev.troupe.planner.Resources.strings;

/**
 * The words the rule reader knows, from {@code troupe/requests.yaml} and {@code troupe/dimensions.yaml}: numbers,
 * shares, nouns for people and groups, attribute patterns, joiners, scenes, styles and layouts. Every phrase is kept
 * as the tokens {@link Words#tokens} makes of it, so that it compares with a request token by token. Java holds the
 * grammar; the words are data.
 */
public final class RequestWords {

    /** One group noun ("team"): the noun for one member, and the count when no number is given (0: none). */
    public record Collective(String member, int count) {
    }

    /** One element of a pattern: a literal word, or a slot taking a value word of a dimension. */
    record PatternElement(String literal, String dimension, String prefix, String suffix) {
        boolean isSlot() {
            return dimension != null;
        }
    }

    static final String REQUESTS = "/troupe/requests.yaml";
    static final String DIMENSIONS = "/troupe/dimensions.yaml";

    final Map<String, Dimension> dimensions;
    final String example;
    final int maxSubjects;
    final int openCount;
    final List<List<PatternElement>> patterns = new ArrayList<>();
    final Map<String, Set<String>> bareValues = new LinkedHashMap<>();
    final List<List<String>> glue;
    final Map<String, List<List<String>>> colourNouns = new LinkedHashMap<>();
    final List<String> bareValueOrder;
    final List<List<String>> joiners;
    /** Nouns that say only who someone is as a man or a woman ("3 women" can be a part of "a team of 5"). */
    final Set<String> genericNouns;
    final Set<String> determiners;
    final Set<String> mixFiller;
    final Map<String, Integer> units = new LinkedHashMap<>();
    final Map<String, Integer> tens = new LinkedHashMap<>();
    final Map<List<String>, Integer> numberPhrases = new LinkedHashMap<>();
    final Map<List<String>, Integer> vague = new LinkedHashMap<>();
    final Map<List<String>, Double> fractions = new LinkedHashMap<>();
    final List<List<String>> rest;
    final List<List<String>> everyone;
    final Map<String, Collective> collectives = new LinkedHashMap<>();
    final Set<String> people;
    final Map<String, String> plurals;
    final Map<String, Map<String, String>> implies = new LinkedHashMap<>();
    final List<List<String>> scenePrepositions;
    final Set<String> wornOrCarried;
    final Set<String> ingNouns;
    final Map<String, List<List<String>>> scenes = new LinkedHashMap<>();
    final Map<String, List<List<String>>> styles = new LinkedHashMap<>();
    final List<String> styleFree;
    final Map<String, List<List<String>>> layouts = new LinkedHashMap<>();
    final List<List<String>> interleave;
    final List<List<String>> frames;
    final Set<String> stopwords;
    final List<List<String>> mixWords;
    /** dimension -> the phrases that ask for a mix over it: its own ("multiracial"), then mix word + noun. */
    final Map<String, List<List<String>>> namedMixes = new LinkedHashMap<>();
    final Map<String, List<List<String>>> dimensionNouns = new LinkedHashMap<>();

    public RequestWords(Map<String, Dimension> dimensions, JsonNode dimensionsDoc, JsonNode requests) {
        this.dimensions = dimensions;
        example = require(requests, "example", REQUESTS).asText();
        maxSubjects = require(requests, "maxSubjects", REQUESTS).asInt();
        openCount = requests.path("openCount").asInt(4);
        for (String pattern : strings(require(requests, "patterns", REQUESTS))) {
            patterns.add(compilePattern(pattern));
        }
        requests.path("bareValues").fields().forEachRemaining(e -> bareValues.put(e.getKey(), Set.copyOf(strings(e.getValue()))));
        glue = phrases(requests.get("glue"));
        requests.path("colourNouns").fields().forEachRemaining(e -> {
            List<List<String>> nouns = new ArrayList<>();
            for (String noun : strings(e.getValue())) {
                if (noun.startsWith("{") && noun.endsWith("}")) {
                    nouns.addAll(slotWords(noun.substring(1, noun.length() - 1), false));
                } else {
                    nouns.add(Words.tokens(noun));
                }
            }
            colourNouns.put(e.getKey(), nouns);
        });
        bareValueOrder = strings(requests.get("bareValueOrder"));
        joiners = phrases(requests.get("joiners"));
        genericNouns = Set.copyOf(strings(requests.get("genericNouns")));
        determiners = Set.copyOf(strings(requests.get("determiners")));
        mixFiller = Set.copyOf(strings(requests.get("mixFiller")));
        JsonNode numbers = require(requests, "numbers", REQUESTS);
        numbers.path("units").fields().forEachRemaining(e -> units.put(e.getKey(), e.getValue().asInt()));
        numbers.path("tens").fields().forEachRemaining(e -> tens.put(e.getKey(), e.getValue().asInt()));
        numbers.path("phrases").fields().forEachRemaining(e -> numberPhrases.put(Words.tokens(e.getKey()), e.getValue().asInt()));
        numbers.path("vague").fields().forEachRemaining(e -> vague.put(Words.tokens(e.getKey()), e.getValue().asInt()));
        requests.path("fractions").fields().forEachRemaining(e -> fractions.put(Words.tokens(e.getKey()), e.getValue().asDouble()));
        rest = phrases(requests.get("rest"));
        everyone = phrases(requests.get("everyone"));
        requests.path("collectives").fields().forEachRemaining(e -> collectives.put(e.getKey(),
                new Collective(e.getValue().path("member").asText("person"), e.getValue().path("count").asInt(0))));
        people = Set.copyOf(new LinkedHashSet<>(strings(requests.get("people"))));
        plurals = Map.copyOf(stringMap(requests.get("plurals")));
        requests.path("implies").fields().forEachRemaining(e -> implies.put(e.getKey(), stringMap(e.getValue())));
        scenePrepositions = phrases(requests.get("scenePrepositions"));
        wornOrCarried = Set.copyOf(new LinkedHashSet<>(strings(requests.get("wornOrCarried"))));
        ingNouns = Set.copyOf(new LinkedHashSet<>(strings(requests.get("ingNouns"))));
        requests.path("scenes").fields().forEachRemaining(e -> scenes.put(e.getKey(), phrases(e.getValue())));
        requests.path("styles").fields().forEachRemaining(e -> styles.put(e.getKey(), phrases(e.getValue())));
        styleFree = Words.tokens(requests.path("styleFree").asText("in the style of"));
        requests.path("layouts").fields().forEachRemaining(e -> layouts.put(e.getKey(), phrases(e.getValue())));
        interleave = phrases(requests.get("interleave"));
        frames = phrases(requests.get("frames"));
        stopwords = Set.copyOf(new LinkedHashSet<>(strings(requests.get("stopwords"))));
        mixWords = phrases(dimensionsDoc.get("mixWords"));
        for (Dimension d : dimensions.values()) {
            List<List<String>> named = new ArrayList<>();
            d.mixes().forEach(m -> named.add(Words.tokens(m)));
            namedMixes.put(d.name(), named);
            List<List<String>> nouns = new ArrayList<>();
            d.nouns().forEach(m -> nouns.add(Words.tokens(m)));
            dimensionNouns.put(d.name(), nouns);
        }
        for (Map.Entry<String, Map<String, String>> implied : implies.entrySet()) {
            implied.getValue().forEach((dim, value) -> {
                Dimension d = dimensions.get(dim);
                if (d == null || !d.hasValue(value)) {
                    throw new IllegalStateException(REQUESTS + " implies." + implied.getKey() + ": " + dim + "=" + value
                            + " is not a known dimension value");
                }
            });
        }
    }

    /** Whether a joiner ("and", "along with") ends at token {@code j}. */
    boolean joinerEndsAt(Sentence s, int j) {
        for (List<String> joiner : joiners) {
            int from = j - joiner.size() + 1;
            if (from >= 0 && s.t.subList(from, j + 1).equals(joiner)) {
                return true;
            }
        }
        return false;
    }

    /** Subjects drawn for a part of the group that the request gives no number for. */
    public int openCount() {
        return openCount;
    }

    /** The words that start a scene clause ("on", "in front of"). */
    public List<List<String>> scenePrepositions() {
        return scenePrepositions;
    }

    /** Every noun for one person the reader knows ("nurse"), singular. */
    public Set<String> people() {
        return people;
    }

    public Set<String> stopwords() {
        return stopwords;
    }

    public List<String> sceneIds() {
        return List.copyOf(scenes.keySet());
    }

    public List<String> styleIds() {
        return List.copyOf(styles.keySet());
    }

    /** Words that a group noun or its modifiers imply ("bride" -> gender female), or an empty map. */
    public Map<String, String> implied(String word) {
        Map<String, String> direct = implies.get(word);
        if (direct != null) {
            return direct;
        }
        Map<String, String> singular = implies.get(singular(word));
        return singular == null ? Map.of() : singular;
    }

    /** The words that may fill a slot of {@code dimension}; a lone slot takes only unambiguous words. */
    List<List<String>> slotWords(String dimension, boolean alone) {
        Dimension d = dimensions.get(dimension);
        List<List<String>> out = new ArrayList<>();
        Set<String> allowed = alone ? bareValues.get(dimension) : null;
        Set<List<String>> seen = new HashSet<>();
        for (Map.Entry<String, List<String>> e : d.values().entrySet()) {
            List<String> words = new ArrayList<>(e.getValue());
            if (!words.contains(e.getKey())) {
                words.add(0, e.getKey());
            }
            for (String w : words) {
                if (allowed == null || allowed.contains(w)) {
                    List<String> tokens = Words.tokens(w);
                    if (seen.add(tokens)) {
                        out.add(tokens);
                    }
                }
            }
        }
        return out;
    }

    /** The noun for one person that a word names ("nurses" -> "nurse"), or null. */
    public String personNoun(String word) {
        String singular = singular(word);
        return people.contains(singular) ? singular : null;
    }

    /** The group noun a word names ("teams" -> "team"), or null. */
    String collective(String word) {
        if (collectives.containsKey(word)) {
            return word;
        }
        String singular = singular(word);
        return collectives.containsKey(singular) ? singular : null;
    }

    /** Whether the word, as a noun for people, is in the plural ("nurses", "people"). */
    boolean isPlural(String word) {
        return !singular(word).equals(word) || word.equals("police") || word.equals("folks");
    }

    String singular(String word) {
        if (plurals.containsKey(word)) {
            return plurals.get(word);
        }
        if (people.contains(word)) {
            return word;
        }
        if (word.endsWith("ies") && word.length() > 4) {
            return word.substring(0, word.length() - 3) + "y";
        }
        if (word.endsWith("oes") && people.contains(word.substring(0, word.length() - 2))) {
            return word.substring(0, word.length() - 2); // "heroes"
        }
        if (word.endsWith("ches") || word.endsWith("shes") || word.endsWith("sses") || word.endsWith("xes")) {
            return word.substring(0, word.length() - 2);
        }
        if (word.endsWith("s") && !word.endsWith("ss") && word.length() > 2) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }

    private List<PatternElement> compilePattern(String pattern) {
        List<PatternElement> elements = new ArrayList<>();
        for (String piece : pattern.trim().split("\\s+")) {
            int open = piece.indexOf('{');
            if (open < 0) {
                Words.tokens(piece).forEach(t -> elements.add(new PatternElement(t, null, null, null)));
                continue;
            }
            int close = piece.indexOf('}', open);
            String dim = piece.substring(open + 1, close);
            if (!dimensions.containsKey(dim)) {
                throw new IllegalStateException(REQUESTS + ": pattern '" + pattern + "' names unknown dimension '" + dim + "'");
            }
            elements.add(new PatternElement(null, dim, piece.substring(0, open), piece.substring(close + 1)));
        }
        return List.copyOf(elements);
    }

    static List<List<String>> phrases(JsonNode node) {
        return phrases(strings(node));
    }

    static List<List<String>> phrases(Collection<String> texts) {
        List<List<String>> out = new ArrayList<>();
        texts.forEach(p -> out.add(Words.tokens(p)));
        return out;
    }
}
