package dev.troupe.planner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the YAML data of the prompts module from the class path, and small helpers to walk it. */
public final class Resources {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Resources() {
    }

    /** @return the parsed document, or null when there is no such resource */
    public static JsonNode yaml(String resource) {
        try (InputStream in = Resources.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + resource + ": " + e.getMessage(), e);
        }
    }

    public static JsonNode require(JsonNode node, String field, String where) {
        JsonNode child = node.get(field);
        if (child == null || child.isNull()) {
            throw new IllegalStateException(where + ": missing '" + field + "'");
        }
        return child;
    }

    public static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null) {
            node.forEach(item -> out.add(item.asText()));
        }
        return out;
    }

    public static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
