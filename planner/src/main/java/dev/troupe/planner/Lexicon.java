package dev.troupe.planner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.planner.understand.RequestWords;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.troupe.planner.Resources.require;
import static dev.troupe.planner.Resources.strings;

/**
 * Everything the planner knows, read from the prompts module: {@code troupe/dimensions.yaml} (the attributes and
 * their values) and {@code troupe/requests.yaml} (the words of requests, kept in {@link RequestWords}), plus the
 * limits every planner shares.
 */
public final class Lexicon {

    static final String DIMENSIONS = "/troupe/dimensions.yaml";
    static final String REQUESTS = "/troupe/requests.yaml";

    private static Lexicon standard;

    private final String example;
    private final int maxRequestLength;
    private final int maxSubjects;
    private final Map<String, Dimension> dimensions = new LinkedHashMap<>();
    private final RequestWords words;

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
                    List.copyOf(strings(d.get("mixes"))), defaultMix, List.copyOf(strings(d.get("nouns")))));
        }
        example = require(requests, "example", REQUESTS).asText();
        maxRequestLength = require(requests, "maxRequestLength", REQUESTS).asInt();
        maxSubjects = require(requests, "maxSubjects", REQUESTS).asInt();
        words = new RequestWords(Collections.unmodifiableMap(dimensions), dimensionsDoc, requests);
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

    /** The words of requests, for the rule reader and the prompt writer. */
    public RequestWords words() {
        return words;
    }

    public String example() {
        return example;
    }

    /** The most subjects one plan may have, whoever read the request. */
    public int maxSubjects() {
        return maxSubjects;
    }

    public int maxRequestLength() {
        return maxRequestLength;
    }

    /** The scenes a request can map to ("court", "field"...), in the data's order. */
    public List<String> sceneIds() {
        return words.sceneIds();
    }

    /** The known styles ("watercolor", "photo"...), in the data's order. */
    public List<String> styleIds() {
        return words.styleIds();
    }

    /** The words that start a scene clause ("on", "in front of"), as tokens. */
    public List<List<String>> scenePrepositions() {
        return words.scenePrepositions();
    }
}
