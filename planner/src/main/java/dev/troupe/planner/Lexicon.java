package dev.troupe.planner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.planner.understand.Words;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.troupe.planner.Resources.require;
import static dev.troupe.planner.Resources.stringMap;
import static dev.troupe.planner.Resources.strings;

/**
 * Everything the rule planner knows about English group requests, read from the prompts module:
 * {@code troupe/dimensions.yaml} (attributes) and {@code troupe/requests.yaml} (counts, nouns,
 * scenes, styles, patterns). Java holds the grammar; the words are data.
 */
public final class Lexicon {

    /** One group noun ("team"): the noun for one member and the count when no number is given. */
    public record Collective(String member, int count) {
    }

    /** One element of a pattern: a literal word, or a slot taking a value word of a dimension. */
    record PatternElement(String literal, String dimension, String prefix, String suffix) {
        boolean isSlot() {
            return dimension != null;
        }
    }

    static final String DIMENSIONS = "/troupe/dimensions.yaml";
    static final String REQUESTS = "/troupe/requests.yaml";

    private static Lexicon standard;

    final String example;
    final int maxRequestLength;
    final int maxSubjects;
    final Map<String, Dimension> dimensions = new LinkedHashMap<>();
    final List<List<PatternElement>> patterns = new ArrayList<>();
    final Map<String, Set<String>> bareValues = new LinkedHashMap<>();
    final Set<String> glue;
    final Map<String, Integer> units = new LinkedHashMap<>();
    final Map<String, Integer> tens = new LinkedHashMap<>();
    final Map<List<String>, Integer> numberPhrases = new LinkedHashMap<>();
    final Map<List<String>, Double> fractions = new LinkedHashMap<>();
    final List<List<String>> rest = new ArrayList<>();
    final Map<String, Collective> collectives = new LinkedHashMap<>();
    final Set<String> people;
    final Map<String, String> plurals;
    final Map<String, Map<String, String>> implies = new LinkedHashMap<>();
    final List<List<String>> scenePrepositions = new ArrayList<>();
    final Map<String, List<List<String>>> scenes = new LinkedHashMap<>();
    final Map<String, List<List<String>>> styles = new LinkedHashMap<>();
    final List<String> styleFree;
    final Set<String> stopwords;

    private Lexicon(JsonNode dimensionsDoc, JsonNode requests) {
        for (JsonNode d : require(dimensionsDoc, "dimensions", DIMENSIONS)) {
            String name = require(d, "name", DIMENSIONS).asText();
            Map<String, List<String>> values = new LinkedHashMap<>();
            require(d, "values", DIMENSIONS + " " + name).fields()
                    .forEachRemaining(e -> values.put(e.getKey(), List.copyOf(strings(e.getValue()))));
            JsonNode def = d.get("default");
            Distribution defaultMix;
            if (def == null || def.isTextual() && def.asText().equals("uniform")) {
                defaultMix = Distribution.uniform(List.copyOf(values.keySet()));
            } else {
                Map<String, Double> shares = new LinkedHashMap<>();
                values.keySet().forEach(v -> shares.put(v, def.path(v).asDouble(0)));
                defaultMix = new Distribution(shares);
            }
            dimensions.put(name, new Dimension(name, Collections.unmodifiableMap(values),
                    List.copyOf(strings(d.get("mixes"))), defaultMix));
        }
        example = require(requests, "example", REQUESTS).asText();
        maxRequestLength = require(requests, "maxRequestLength", REQUESTS).asInt();
        maxSubjects = require(requests, "maxSubjects", REQUESTS).asInt();
        for (String pattern : strings(require(requests, "patterns", REQUESTS))) {
            patterns.add(compilePattern(pattern));
        }
        requests.path("bareValues").fields().forEachRemaining(e -> bareValues.put(e.getKey(), Set.copyOf(strings(e.getValue()))));
        glue = Set.copyOf(strings(requests.get("glue")));
        JsonNode numbers = require(requests, "numbers", REQUESTS);
        numbers.path("units").fields().forEachRemaining(e -> units.put(e.getKey(), e.getValue().asInt()));
        numbers.path("tens").fields().forEachRemaining(e -> tens.put(e.getKey(), e.getValue().asInt()));
        numbers.path("phrases").fields().forEachRemaining(e -> numberPhrases.put(Words.tokens(e.getKey()), e.getValue().asInt()));
        requests.path("fractions").fields().forEachRemaining(e -> fractions.put(Words.tokens(e.getKey()), e.getValue().asDouble()));
        strings(requests.get("rest")).forEach(r -> rest.add(Words.tokens(r)));
        requests.path("collectives").fields().forEachRemaining(e -> collectives.put(e.getKey(),
                new Collective(e.getValue().path("member").asText("person"), e.getValue().path("count").asInt(0))));
        people = Set.copyOf(strings(requests.get("people")));
        plurals = Map.copyOf(stringMap(requests.get("plurals")));
        requests.path("implies").fields().forEachRemaining(e -> implies.put(e.getKey(), stringMap(e.getValue())));
        strings(requests.get("scenePrepositions")).forEach(p -> scenePrepositions.add(Words.tokens(p)));
        requests.path("scenes").fields().forEachRemaining(e -> scenes.put(e.getKey(), phrases(e.getValue())));
        requests.path("styles").fields().forEachRemaining(e -> styles.put(e.getKey(), phrases(e.getValue())));
        styleFree = Words.tokens(requests.path("styleFree").asText("in the style of"));
        stopwords = Set.copyOf(strings(requests.get("stopwords")));
        for (Map.Entry<String, Map<String, String>> implied : implies.entrySet()) {
            implied.getValue().forEach((dim, value) -> checkValue(dim, value, REQUESTS + " implies." + implied.getKey()));
        }
    }

    /** The lexicon shipped in the prompts module (read once). */
    public static synchronized Lexicon standard() {
        if (standard == null) {
            JsonNode dims = Resources.yaml(DIMENSIONS);
            JsonNode requests = Resources.yaml(REQUESTS);
            if (dims == null || requests == null) {
                throw new IllegalStateException("the prompts module's data (" + DIMENSIONS + ", " + REQUESTS
                        + ") is not on the class path");
            }
            standard = new Lexicon(dims, requests);
        }
        return standard;
    }

    public Map<String, Dimension> dimensions() {
        return Collections.unmodifiableMap(dimensions);
    }

    public Dimension dimension(String name) {
        Dimension d = dimensions.get(name);
        if (d == null) {
            throw new RequestException("unknown attribute dimension '" + name + "'; known: "
                    + String.join(", ", dimensions.keySet()));
        }
        return d;
    }

    public String example() {
        return example;
    }

    public int maxSubjects() {
        return maxSubjects;
    }

    public int maxRequestLength() {
        return maxRequestLength;
    }

    /** The scenes a request can map to ("court", "field"...), in the data's order. */
    public List<String> sceneIds() {
        return List.copyOf(scenes.keySet());
    }

    /** The words that start a scene clause ("on", "in front of"), as tokens. */
    public List<List<String>> scenePrepositions() {
        return Collections.unmodifiableList(scenePrepositions);
    }

    /** The known styles ("watercolor", "photo"...), in the data's order. */
    public List<String> styleIds() {
        return List.copyOf(styles.keySet());
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

    private static List<List<String>> phrases(JsonNode node) {
        List<List<String>> out = new ArrayList<>();
        strings(node).forEach(p -> out.add(Words.tokens(p)));
        return out;
    }

    private void checkValue(String dim, String value, String where) {
        Dimension d = dimensions.get(dim);
        if (d == null || !d.hasValue(value)) {
            throw new IllegalStateException(where + ": " + dim + "=" + value + " is not a known dimension value");
        }
    }

    /** The noun for one person that a word names ("nurses" -> "nurse"), or null. */
    String personNoun(String word) {
        String singular = singular(word);
        return people.contains(singular) ? singular : null;
    }

    /** The collective a word names ("teams" -> team), or null. */
    String collective(String word) {
        if (collectives.containsKey(word)) {
            return word;
        }
        String singular = singular(word);
        return collectives.containsKey(singular) ? singular : null;
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
        if (word.endsWith("ches") || word.endsWith("shes") || word.endsWith("sses") || word.endsWith("xes")) {
            return word.substring(0, word.length() - 2);
        }
        if (word.endsWith("s") && !word.endsWith("ss") && word.length() > 2) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
