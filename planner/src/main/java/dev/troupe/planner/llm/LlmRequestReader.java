package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.troupe.planner.Dimension;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.MixTerm;
import dev.troupe.planner.RequestException;
import dev.troupe.planner.RequestReader;
import dev.troupe.planner.layout.Layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The LLM's understanding step: a request to a {@link GroupSpec}, through one structured-output call
 * whose schema lists the dimensions, scenes, styles and layouts of the data. The answer is checked
 * against the data (unknown values are a malformed answer, asked once more); a count outside 1..64 is
 * refused. The LLM reports what the request asks for; the proportions are apportioned in code.
 */
public final class LlmRequestReader implements RequestReader {

    /** The most subjects the LLM may read from a request; anything outside 1..64 is refused. */
    public static final int MAX_COUNT = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LlmChat chat;
    private final Lexicon lexicon;
    private final LlmPrompt prompt;
    private final String system;
    private final JsonSchema schema;

    LlmRequestReader(LlmChat chat, Lexicon lexicon) {
        this.chat = chat;
        this.lexicon = lexicon;
        this.prompt = LlmPrompt.load("understand");
        this.system = system(prompt, lexicon);
        this.schema = schema(lexicon);
    }

    @Override
    public GroupSpec parse(String request) {
        if (request == null || request.isBlank()) {
            throw new RequestException("the request is empty; describe the group, e.g. \"" + lexicon.example() + "\"");
        }
        if (request.length() > lexicon.maxRequestLength()) {
            throw new RequestException("the request is " + request.length() + " characters long; keep it under "
                    + lexicon.maxRequestLength() + " characters");
        }
        String text = request.strip();
        return chat.ask("understand", prompt, system, List.of(new LlmChat.Turn(true, "Request: " + text)), schema,
                answer -> toSpec(text, answer)).value();
    }

    JsonSchema schema() {
        return schema;
    }

    String system() {
        return system;
    }

    private GroupSpec toSpec(String request, JsonNode a) {
        JsonNode countNode = a.get("count");
        Integer count = null;
        if (countNode != null && !countNode.isNull()) {
            if (!countNode.canConvertToInt() || countNode.isFloatingPointNumber() && countNode.asDouble() % 1 != 0) {
                throw new LlmChat.AnswerProblem("'count' must be a whole number or null, got " + countNode);
            }
            count = countNode.asInt();
            if (count < 1 || count > MAX_COUNT) {
                throw new RequestException("the LLM read a group of " + count + " from \"" + request + "\"; a plan has 1 to "
                        + MAX_COUNT + " subjects: say how many in the request, set --count N, or plan with --planner rules");
            }
        }
        String subject = text(a, "subject");
        if (subject == null) {
            throw new LlmChat.AnswerProblem("'subject' is missing");
        }
        subject = subject.toLowerCase(Locale.ROOT);
        String head = text(a, "subjectNoun");
        if (head == null) {
            String[] words = subject.split("\\s+");
            head = words[words.length - 1];
        }
        head = head.toLowerCase(Locale.ROOT);

        Map<String, String> fixed = new LinkedHashMap<>();
        for (JsonNode f : array(a, "fixed")) {
            Dimension d = dimension(text(f, "dimension"));
            fixed.put(d.name(), value(d, text(f, "value")));
        }
        Map<String, String> named = new LinkedHashMap<>();
        Map<String, List<MixTerm>> explicit = new LinkedHashMap<>();
        for (JsonNode m : array(a, "mixes")) {
            Dimension d = dimension(text(m, "dimension"));
            if (fixed.containsKey(d.name())) {
                continue; // a fixed value wins over a mix of the same dimension
            }
            JsonNode shares = m.path("shares");
            if (!shares.isArray() || shares.isEmpty()) {
                named.put(d.name(), "mix");
                continue;
            }
            Map<String, Double> weights = new LinkedHashMap<>();
            for (JsonNode s : shares) {
                String v = value(d, text(s, "value"));
                double w = s.path("weight").asDouble(Double.NaN);
                if (!Double.isFinite(w) || w < 0) {
                    throw new LlmChat.AnswerProblem("the weight of " + d.name() + "=" + v + " must be a number >= 0, got "
                            + s.path("weight"));
                }
                weights.merge(v, w, Double::sum);
            }
            double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
            if (total <= 0) {
                throw new LlmChat.AnswerProblem("the shares of " + d.name() + " add up to 0");
            }
            List<MixTerm> terms = new ArrayList<>();
            weights.forEach((v, w) -> terms.add(new MixTerm(v, MixTerm.Kind.SHARE, w / total,
                    String.format(Locale.ROOT, "%.0f%% %s", 100 * w / total, v))));
            explicit.put(d.name(), terms);
        }
        String sceneKind = known(text(a, "sceneKind"), lexicon.sceneIds(), "sceneKind");
        String styleKind = known(text(a, "styleKind"), lexicon.styleIds(), "styleKind");
        String layout = known(text(a, "layout"), layoutIds(), "layout");
        return new GroupSpec(request, count, head, subject, fixed, named, explicit, lower(text(a, "scene")), sceneKind,
                styleKind, lower(text(a, "style")), layout);
    }

    private Dimension dimension(String name) {
        if (name == null || !lexicon.dimensions().containsKey(name)) {
            throw new LlmChat.AnswerProblem("'" + name + "' is not a dimension; dimensions: "
                    + String.join(", ", lexicon.dimensions().keySet()));
        }
        return lexicon.dimensions().get(name);
    }

    private static String value(Dimension d, String word) {
        String v = word == null ? null : d.valueForWord(word.strip().toLowerCase(Locale.ROOT));
        if (v == null) {
            throw new LlmChat.AnswerProblem("'" + word + "' is not a value of " + d.name() + "; values: "
                    + String.join(", ", d.values().keySet()));
        }
        return v;
    }

    private static String known(String id, List<String> ids, String field) {
        if (id == null) {
            return null;
        }
        String lower = id.toLowerCase(Locale.ROOT);
        if (!ids.contains(lower)) {
            throw new LlmChat.AnswerProblem("'" + field + "' must be one of " + ids + " or null, got '" + id + "'");
        }
        return lower;
    }

    private static List<JsonNode> array(JsonNode a, String field) {
        JsonNode node = a.get(field);
        List<JsonNode> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new LlmChat.AnswerProblem("'" + field + "' must be an array");
        }
        for (JsonNode item : (ArrayNode) node) {
            if (!item.isObject()) {
                throw new LlmChat.AnswerProblem("every item of '" + field + "' must be an object");
            }
            out.add(item);
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || !v.isValueNode() || v.asText().isBlank() ? null : v.asText().strip();
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static List<String> layoutIds() {
        return Arrays.stream(Layout.values()).map(Layout::id).collect(Collectors.toList());
    }

    static String system(LlmPrompt prompt, Lexicon lexicon) {
        StringBuilder dims = new StringBuilder();
        for (Dimension d : lexicon.dimensions().values()) {
            dims.append("  - ").append(d.name()).append(": ").append(String.join(", ", d.values().keySet())).append('\n');
        }
        String text = prompt.system()
                .replace("{dimensions}", dims.toString().stripTrailing())
                .replace("{scenes}", String.join(", ", lexicon.sceneIds()))
                .replace("{styles}", String.join(", ", lexicon.styleIds()))
                .replace("{layouts}", String.join(", ", layoutIds()))
                .replace("{maxSubjects}", Integer.toString(MAX_COUNT));
        StringBuilder out = new StringBuilder(prompt.header()).append('\n').append(text.strip()).append("\n\nExamples:\n");
        for (JsonNode example : prompt.examples()) {
            out.append("Request: ").append(example.path("request").asText()).append('\n');
            out.append("Answer: ").append(compact(example.path("answer"))).append("\n\n");
        }
        return out.toString().strip();
    }

    static String compact(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonSchema schema(Lexicon lexicon) {
        List<String> dims = new ArrayList<>(lexicon.dimensions().keySet());
        JsonObjectSchema fixed = JsonObjectSchema.builder()
                .addEnumProperty("dimension", dims)
                .addStringProperty("value")
                .required("dimension", "value")
                .additionalProperties(false)
                .build();
        JsonObjectSchema share = JsonObjectSchema.builder()
                .addStringProperty("value")
                .addNumberProperty("weight")
                .required("value", "weight")
                .additionalProperties(false)
                .build();
        JsonObjectSchema mix = JsonObjectSchema.builder()
                .addEnumProperty("dimension", dims)
                .addProperty("shares", JsonArraySchema.builder().items(share).build())
                .required("dimension", "shares")
                .additionalProperties(false)
                .build();
        JsonObjectSchema root = JsonObjectSchema.builder()
                .addProperty("count", nullable(new JsonIntegerSchema()))
                .addStringProperty("subject", "one member of the group, singular")
                .addProperty("subjectNoun", nullable(new JsonStringSchema()))
                .addProperty("fixed", JsonArraySchema.builder().items(fixed).build())
                .addProperty("mixes", JsonArraySchema.builder().items(mix).build())
                .addProperty("scene", nullable(new JsonStringSchema()))
                .addProperty("sceneKind", nullable(JsonEnumSchema.builder().enumValues(lexicon.sceneIds()).build()))
                .addProperty("style", nullable(new JsonStringSchema()))
                .addProperty("styleKind", nullable(JsonEnumSchema.builder().enumValues(lexicon.styleIds()).build()))
                .addProperty("layout", nullable(JsonEnumSchema.builder().enumValues(layoutIds()).build()))
                .required("count", "subject", "subjectNoun", "fixed", "mixes", "scene", "sceneKind", "style",
                        "styleKind", "layout")
                .additionalProperties(false)
                .build();
        return JsonSchema.builder().name("group_spec").rootElement(root).build();
    }

    private static JsonSchemaElement nullable(JsonSchemaElement element) {
        return JsonAnyOfSchema.builder().anyOf(element, new JsonNullSchema()).build();
    }
}
