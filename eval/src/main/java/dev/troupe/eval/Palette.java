package dev.troupe.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The colours a model was trained to draw, read from its {@code evaluation.json}: every skin tone (ordered light
 * to dark), hair and top colour, and for each scene the mean colour of a backdrop's upper and lower part.
 *
 * @param tileHeight rows of one figure tile in model pixels (a subject box is this many model pixels tall)
 */
public record Palette(int tileHeight, Map<String, Rgb> skin, Map<String, Rgb> hair, Map<String, Rgb> top,
                      Map<String, SceneColours> scenes) {

    /** A backdrop's signature and the phrases that name it in prompts. */
    public record SceneColours(String subjectPhrase, String backgroundPhrase, Rgb upper, Rgb lower) {
    }

    public static final String FILE_NAME = "evaluation.json";

    /** Reads {@code DIR/evaluation.json}; a model without one cannot be evaluated. */
    public static Palette load(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + FILE_NAME + " in " + modelDir
                    + ": the attribute evaluator only reads models that ship their palette (the embedded model does;"
                    + " regenerate it with python3 models/train/evaluation_data.py)");
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            Map<String, SceneColours> scenes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("scenes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode s = e.getValue();
                scenes.put(e.getKey(), new SceneColours(s.path("subjectPhrase").asText(),
                        s.path("backgroundPhrase").asText(), rgb(s.path("upper")), rgb(s.path("lower"))));
            }
            return new Palette(root.path("tileHeight").asInt(32), colours(root.path("skin")),
                    colours(root.path("hair")), colours(root.path("top")), scenes);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage()
                    + " (expected {tileHeight, skin, hair, top: {name: [r, g, b]}, scenes})", e);
        }
    }

    private static Map<String, Rgb> colours(JsonNode node) {
        Map<String, Rgb> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), rgb(e.getValue())));
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a colour table is empty");
        }
        return out;
    }

    private static Rgb rgb(JsonNode a) {
        if (!a.isArray() || a.size() != 3) {
            throw new IllegalArgumentException("a colour must be [r, g, b], got " + a);
        }
        return new Rgb(a.get(0).asDouble(), a.get(1).asDouble(), a.get(2).asDouble());
    }

    /** The name of the palette entry nearest to {@code c} (Euclidean RGB). */
    public static String nearest(Map<String, Rgb> table, Rgb c) {
        String best = null;
        double bestD = Double.MAX_VALUE;
        for (Map.Entry<String, Rgb> e : table.entrySet()) {
            double d = e.getValue().distance(c);
            if (d < bestD) {
                bestD = d;
                best = e.getKey();
            }
        }
        return best;
    }

    /** Distance from {@code c} to the nearest entry of {@code table}. */
    public static double distanceToNearest(Map<String, Rgb> table, Rgb c) {
        return table.get(nearest(table, c)).distance(c);
    }

    /** Skin tones in order, light to dark: the index is the level. */
    public List<String> skinLevels() {
        return new ArrayList<>(skin.keySet());
    }

    /** The scene whose phrase the prompt contains, or null. */
    public String sceneOf(String prompt) {
        if (prompt == null) {
            return null;
        }
        String p = prompt.toLowerCase();
        for (Map.Entry<String, SceneColours> e : scenes.entrySet()) {
            if (p.contains(e.getValue().backgroundPhrase()) || p.contains(e.getValue().subjectPhrase())) {
                return e.getKey();
            }
        }
        return null;
    }
}
