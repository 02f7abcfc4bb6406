package dev.troupe.planner.write;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.planner.RequestException;
import dev.troupe.planner.Resources;
import dev.troupe.planner.layout.CanvasSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.troupe.planner.Resources.require;
import static dev.troupe.planner.Resources.stringMap;
import static dev.troupe.planner.Resources.strings;

/**
 * A prompt profile ({@code troupe/profiles/<name>.yaml}): how prompts are written for one kind of
 * model, and the canvas scale that model draws people at.
 */
public record Profile(String name, String model, List<String> subjectParts, Map<String, List<String>> requires,
                      List<List<String>> alternatives, Map<String, Map<String, String>> words,
                      Map<String, String> nounByGender, Map<String, String> genderAdjective, List<String> knownNouns,
                      List<String> genericNouns, String fallbackNoun, String background, String defaultScene,
                      Map<String, SceneWords> scenes, boolean useRequestScene, Map<String, String> styles,
                      boolean keepFreeStyle, boolean freeDetails, String negativePrompt, String regionNegativePrompt,
                      CanvasSpec canvas, List<String> vocabulary) {

    /** How a profile writes one scene: with a subject ("on an indoor court") and alone ("an indoor court"). */
    public record SceneWords(String subject, String alone) {
    }

    public static final String DEFAULT = "embedded";
    public static final List<String> NAMES = List.of("embedded", "sd15");

    private static final Map<String, Profile> LOADED = new LinkedHashMap<>();

    /** @throws RequestException for a profile that does not exist, listing those that do */
    public static synchronized Profile named(String name) {
        Profile cached = LOADED.get(name);
        if (cached != null) {
            return cached;
        }
        String resource = "/troupe/profiles/" + name + ".yaml";
        JsonNode doc = name.matches("[a-z0-9_-]+") ? Resources.yaml(resource) : null;
        if (doc == null) {
            throw new RequestException("unknown profile '" + name + "'; profiles: " + String.join(", ", NAMES));
        }
        Profile profile = parse(doc, resource);
        LOADED.put(name, profile);
        return profile;
    }

    private static Profile parse(JsonNode d, String where) {
        Map<String, List<String>> requires = new LinkedHashMap<>();
        d.path("requires").fields().forEachRemaining(e -> requires.put(e.getKey(), strings(e.getValue())));
        List<List<String>> alternatives = new ArrayList<>();
        d.path("alternatives").forEach(a -> alternatives.add(strings(a)));
        Map<String, Map<String, String>> words = new LinkedHashMap<>();
        d.path("words").fields().forEachRemaining(e -> words.put(e.getKey(), stringMap(e.getValue())));
        JsonNode noun = require(d, "noun", where);
        Map<String, SceneWords> scenes = new LinkedHashMap<>();
        require(d, "scenes", where).fields().forEachRemaining(e -> scenes.put(e.getKey(),
                new SceneWords(require(e.getValue(), "subject", where).asText(), require(e.getValue(), "alone", where).asText())));
        JsonNode c = require(d, "canvas", where);
        CanvasSpec canvas = new CanvasSpec(c.path("box").path("w").asInt(), c.path("box").path("h").asInt(),
                c.path("gapX").asInt(), c.path("gapY").asInt(), c.path("marginX").asInt(), c.path("marginY").asInt(),
                c.path("rowsRaise").asInt(), c.path("arcRise").asInt(), c.path("jitter").asInt());
        if (canvas.boxW() <= 0 || canvas.boxH() <= 0) {
            throw new IllegalStateException(where + ": canvas.box needs a positive w and h");
        }
        String defaultScene = require(d, "defaultScene", where).asText();
        if (!scenes.containsKey(defaultScene)) {
            throw new IllegalStateException(where + ": defaultScene '" + defaultScene + "' is not in scenes");
        }
        return new Profile(require(d, "name", where).asText(), require(d, "model", where).asText(),
                strings(require(d, "subject", where)), requires, alternatives, words,
                stringMap(noun.get("byGender")), stringMap(noun.get("genderAdjective")), strings(noun.get("known")),
                strings(noun.get("generic")), noun.path("fallback").asText("person"),
                require(d, "background", where).asText(), defaultScene, scenes,
                d.path("useRequestScene").asBoolean(false), stringMap(d.get("styles")),
                d.path("keepFreeStyle").asBoolean(false), d.path("freeDetails").asBoolean(false),
                d.path("negativePrompt").asText(""),
                d.path("regionNegativePrompt").asText(""), canvas, strings(d.get("vocabulary")));
    }
}
