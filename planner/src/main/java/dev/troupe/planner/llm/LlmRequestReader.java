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
import dev.troupe.planner.Constraints;
import dev.troupe.planner.Dimension;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.MixTerm;
import dev.troupe.planner.RequestException;
import dev.troupe.planner.RequestReader;
import dev.troupe.planner.Subgroup;
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
 * against the data (unknown values are a malformed answer, asked once more); a count outside 1 to the
 * lexicon's limit (the same as the rule reader's) is refused. The LLM reports what the request asks for; the proportions are apportioned in code.
 */
public final class LlmRequestReader implements RequestReader {

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
        String text = RequestReader.checked(request, lexicon);
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
        List<JsonNode> groupNodes = array(a, "groups");
        if (groupNodes.isEmpty()) {
            throw new LlmChat.AnswerProblem("'groups' must list at least one part of the group");
        }
        Integer total = count(a.get("total"), "total", request);
        List<Subgroup> groups = new ArrayList<>();
        java.util.Set<String> labels = new java.util.HashSet<>();
        for (JsonNode g : groupNodes) {
            Integer count = count(g.get("count"), "count", request);
            String subject = text(g, "subject");
            if (subject == null) {
                throw new LlmChat.AnswerProblem("every group needs its 'subject'");
            }
            subject = subject.toLowerCase(Locale.ROOT);
            String head = text(g, "subjectNoun");
            if (head == null) {
                String[] words = subject.split("\\s+");
                head = words[words.length - 1];
            }
            head = head.toLowerCase(Locale.ROOT);
            String label = subject;
            for (int n = 2; !labels.add(label); n++) {
                label = subject + " " + n;
            }
            String details = text(g, "details");
            groups.add(new Subgroup(label, count, head, subject, true, constraints(g),
                    details == null ? List.of() : List.of(details.toLowerCase(Locale.ROOT))));
        }
        int sum = 0;
        for (Subgroup g : groups) {
            sum += g.count() == null ? 0 : g.count();
        }
        int max = lexicon.maxSubjects();
        if (total == null && sum > max) {
            throw new RequestException("the LLM read " + sum + " subjects from \"" + request + "\"; a plan has 1 to "
                    + max + " subjects: say how many in the request, set --count N, or plan with --planner rules");
        }
        String sceneKind = known(text(a, "sceneKind"), lexicon.sceneIds(), "sceneKind");
        String styleKind = known(text(a, "styleKind"), lexicon.styleIds(), "styleKind");
        String layout = known(text(a, "layout"), layoutIds(), "layout");
        String details = text(a, "details");
        JsonNode all = a.path("all");
        Constraints whole = all.isObject() ? constraints(all) : Constraints.NONE;
        return new GroupSpec(request, groups, total, whole, lower(text(a, "scene")), sceneKind, styleKind,
                lower(text(a, "style")), layout, false, details == null ? List.of() : List.of(details.toLowerCase(Locale.ROOT)),
                List.of());
    }

    /** A count of the answer: a whole number in 1..maxSubjects, or null. */
    private Integer count(JsonNode node, String field, String request) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || node.isFloatingPointNumber() && node.asDouble() % 1 != 0) {
            throw new LlmChat.AnswerProblem("'" + field + "' must be a whole number or null, got " + node);
        }
        int count = node.asInt();
        int max = lexicon.maxSubjects();
        if (count < 1 || count > max) {
            throw new RequestException("the LLM read a group of " + count + " from \"" + request + "\"; a plan has 1 to "
                    + max + " subjects: say how many in the request, set --count N, or plan with --planner rules");
        }
        return count;
    }

    /** The "fixed" and "mixes" of a group (or of "all"): values the schema already kept to each dimension's own. */
    private Constraints constraints(JsonNode a) {
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
        return new Constraints(fixed, named, explicit);
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
                .replace("{maxSubjects}", Integer.toString(lexicon.maxSubjects()));
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

    /**
     * The answer's JSON schema. Every attribute value is constrained to its own dimension's values: "fixed" and
     * "mixes" items are one schema branch per dimension (anyOf), each with that dimension's name as a one-value enum
     * and its values as an enum, so constrained decoding cannot pair a dimension with another's value.
     */
    private static JsonSchema schema(Lexicon lexicon) {
        List<JsonSchemaElement> fixedBranches = new ArrayList<>();
        List<JsonSchemaElement> mixBranches = new ArrayList<>();
        for (Dimension d : lexicon.dimensions().values()) {
            List<String> values = new ArrayList<>(d.values().keySet());
            fixedBranches.add(JsonObjectSchema.builder()
                    .addEnumProperty("dimension", List.of(d.name()))
                    .addEnumProperty("value", values)
                    .required("dimension", "value")
                    .additionalProperties(false)
                    .build());
            JsonObjectSchema share = JsonObjectSchema.builder()
                    .addEnumProperty("value", values)
                    .addNumberProperty("weight")
                    .required("value", "weight")
                    .additionalProperties(false)
                    .build();
            mixBranches.add(JsonObjectSchema.builder()
                    .addEnumProperty("dimension", List.of(d.name()))
                    .addProperty("shares", JsonArraySchema.builder().items(share).build())
                    .required("dimension", "shares")
                    .additionalProperties(false)
                    .build());
        }
        JsonArraySchema fixed = JsonArraySchema.builder()
                .items(JsonAnyOfSchema.builder().anyOf(fixedBranches).build()).build();
        JsonArraySchema mixes = JsonArraySchema.builder()
                .items(JsonAnyOfSchema.builder().anyOf(mixBranches).build()).build();
        JsonObjectSchema group = JsonObjectSchema.builder()
                .addProperty("count", nullable(new JsonIntegerSchema()))
                .addStringProperty("subject", "one member of this part of the group, singular")
                .addProperty("subjectNoun", nullable(new JsonStringSchema()))
                .addProperty("fixed", fixed)
                .addProperty("mixes", mixes)
                .addProperty("details", nullable(new JsonStringSchema()))
                .required("count", "subject", "subjectNoun", "fixed", "mixes", "details")
                .additionalProperties(false)
                .build();
        JsonObjectSchema all = JsonObjectSchema.builder()
                .addProperty("fixed", fixed)
                .addProperty("mixes", mixes)
                .required("fixed", "mixes")
                .additionalProperties(false)
                .build();
        JsonObjectSchema root = JsonObjectSchema.builder()
                .addProperty("groups", JsonArraySchema.builder().items(group).build())
                .addProperty("total", nullable(new JsonIntegerSchema()))
                .addProperty("all", all)
                .addProperty("scene", nullable(new JsonStringSchema()))
                .addProperty("sceneKind", nullable(JsonEnumSchema.builder().enumValues(lexicon.sceneIds()).build()))
                .addProperty("style", nullable(new JsonStringSchema()))
                .addProperty("styleKind", nullable(JsonEnumSchema.builder().enumValues(lexicon.styleIds()).build()))
                .addProperty("layout", nullable(JsonEnumSchema.builder().enumValues(layoutIds()).build()))
                .addProperty("details", nullable(new JsonStringSchema()))
                .required("groups", "total", "all", "scene", "sceneKind", "style", "styleKind", "layout", "details")
                .additionalProperties(false)
                .build();
        return JsonSchema.builder().name("group_spec").rootElement(root).build();
    }

    private static JsonSchemaElement nullable(JsonSchemaElement element) {
        return JsonAnyOfSchema.builder().anyOf(element, new JsonNullSchema()).build();
    }
}
