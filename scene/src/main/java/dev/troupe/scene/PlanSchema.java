package dev.troupe.scene;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The plan's JSON Schema ({@value #RESOURCE}, shipped in the jar) and a checker for the part of JSON
 * Schema 2020-12 that it uses: type, required, properties, additionalProperties, items, const, enum,
 * minimum, maximum, multipleOf, minLength, default and local $ref. The schema file is the one description of
 * the plan's shape: reading a plan checks against it, so the schema cannot drift from the reader.
 */
public final class PlanSchema {

    public static final String RESOURCE = "/dev/troupe/scene/scene-plan.schema.json";

    private final JsonNode root;

    private PlanSchema(JsonNode root) {
        this.root = root;
    }

    /** Loads the schema shipped with Troupe. */
    public static PlanSchema load(ObjectMapper mapper) {
        try (InputStream in = PlanSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema resource " + RESOURCE + " is missing from the build");
            }
            return new PlanSchema(mapper.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode json() {
        return root;
    }

    /**
     * Checks {@code document} and fills in the schema's defaults for absent optional fields.
     *
     * @throws PlanException naming the first problem, e.g. {@code regions[2].box: missing field 'h'}
     */
    public void checkAndFillDefaults(JsonNode document) {
        check(root, document, "");
    }

    private void check(JsonNode schema, JsonNode value, String path) {
        if (schema.has("$ref")) {
            check(resolve(schema.get("$ref").asText()), value, path);
            return;
        }
        String where = path.isEmpty() ? "the plan" : path;
        if (schema.has("type")) {
            String type = schema.get("type").asText();
            if (!hasType(value, type)) {
                throw new PlanException(where + ": expected " + article(type) + ", got " + describe(value));
            }
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            throw new PlanException(where + ": must be " + schema.get("const") + ", got " + value);
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value);
            }
            if (!listed) {
                throw new PlanException(where + ": must be one of " + schema.get("enum") + ", got " + value);
            }
        }
        if (value.isNumber()) {
            checkNumber(schema, value, where);
        }
        if (value.isTextual() && schema.has("minLength") && value.asText().length() < schema.get("minLength").asInt()) {
            throw new PlanException(where + ": must not be empty");
        }
        if (value.isObject()) {
            checkObject(schema, (ObjectNode) value, path, where);
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]");
            }
        }
    }

    private void checkNumber(JsonNode schema, JsonNode value, String where) {
        double v = value.asDouble();
        if (schema.has("minimum") && v < schema.get("minimum").asDouble()) {
            throw new PlanException(where + ": must be at least " + schema.get("minimum") + ", got " + value);
        }
        if (schema.has("maximum") && v > schema.get("maximum").asDouble()) {
            throw new PlanException(where + ": must be at most " + schema.get("maximum") + ", got " + value);
        }
        if (schema.has("multipleOf")) {
            long step = schema.get("multipleOf").asLong();
            if (value.asLong() % step != 0) {
                long up = (value.asLong() + step - 1) / step * step;
                throw new PlanException(where + ": must be a multiple of " + step + ", got " + value + " (use " + up + ")");
            }
        }
    }

    private void checkObject(JsonNode schema, ObjectNode value, String path, String where) {
        JsonNode properties = schema.path("properties");
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                throw new PlanException(where + ": missing field '" + required.asText() + "'");
            }
        }
        JsonNode additional = schema.get("additionalProperties");
        List<String> names = new ArrayList<>();
        value.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            String child = path.isEmpty() ? name : path + "." + name;
            if (properties.has(name)) {
                check(properties.get(name), value.get(name), child);
            } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
                List<String> known = new ArrayList<>();
                properties.fieldNames().forEachRemaining(known::add);
                throw new PlanException(where + ": unknown field '" + name + "' (known fields: " + String.join(", ", known) + ")");
            } else if (additional != null && additional.isObject()) {
                check(additional, value.get(name), child);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            if (!value.has(property.getKey()) && property.getValue().has("default")) {
                value.set(property.getKey(), property.getValue().get("default").deepCopy());
            }
        }
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalStateException("only local $ref is supported, got " + ref);
        }
        JsonNode node = root.at(ref.substring(1));
        if (node.isMissingNode()) {
            throw new IllegalStateException("schema $ref " + ref + " points nowhere");
        }
        return node;
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() && value.canConvertToLong();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalStateException("schema type " + type + " is not supported");
        };
    }

    private static String article(String type) {
        return switch (type) {
            case "object", "array", "integer" -> "an " + type;
            default -> "a " + type;
        };
    }

    private static String describe(JsonNode value) {
        if (value.isNull()) {
            return "null";
        }
        if (value.isTextual()) {
            return "the string " + value;
        }
        if (value.isFloatingPointNumber()) {
            return "the number " + value;
        }
        if (value.isIntegralNumber()) {
            return value.canConvertToLong() ? "the integer " + value : "an integer too large: " + value;
        }
        return value.getNodeType().name().toLowerCase() + (value.isContainerNode() ? "" : " " + value);
    }
}
