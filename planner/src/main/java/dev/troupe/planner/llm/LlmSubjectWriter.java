package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.layout.Layout;
import dev.troupe.planner.write.PromptWriter;
import dev.troupe.planner.write.SubjectWriter;
import dev.troupe.planner.write.SubjectWriter.Subject;
import dev.troupe.scene.Box;
import dev.troupe.scene.PlanValidator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The LLM's writing step: the spec and each subject's sampled attributes to per-subject prompts, in
 * one structured-output call (plus boxes in the LMD style when asked). Guards: a prompt must contain
 * the phrases of its attributes ({@link AttributePhrases}); the subjects that miss some are asked for
 * once more, naming what is missing, and any still wrong get the template prompt. Boxes are clipped to
 * the canvas; a set with a box mostly outside, or with boxes overlapping too much, is rejected and the
 * layout's boxes stay. A profile with a closed vocabulary (the embedded model) keeps its templates.
 */
public final class LlmSubjectWriter implements SubjectWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A box that loses more than this share of its area to clipping is rejected, not clipped. */
    static final double MIN_KEPT_AREA = 0.5;
    /** Smallest side of a box the LLM may propose, in pixels. */
    static final int MIN_SIDE = 16;

    private final LlmChat chat;
    private final Consumer<String> notices;
    private final LlmPrompt prompt;
    private final AttributePhrases phrases;

    LlmSubjectWriter(LlmChat chat, Consumer<String> notices) {
        this.chat = chat;
        this.notices = notices;
        this.prompt = LlmPrompt.load("subjects");
        this.phrases = new AttributePhrases(prompt.doc().path("phrases"));
    }

    @Override
    public Subjects write(GroupSpec spec, List<Subject> subjects, Layout.Placement placement, PromptWriter templates) {
        List<String> fallback = new ArrayList<>();
        List<Map<String, String>> attributes = new ArrayList<>();
        for (Subject subject : subjects) {
            fallback.add(templates.subject(subject.attributes(), subject.group(), spec));
            attributes.add(subject.attributes());
        }
        if (!templates.profile().vocabulary().isEmpty()) {
            notices.accept("profile '" + templates.profile().name() + "' writes only the words its model was trained "
                    + "on, so its templates write the prompts (the LLM read the request); use --profile sd15 for "
                    + "LLM-written prompts");
            return new Subjects(fallback, null);
        }
        boolean boxes = chat.settings().boxes();
        String system = system(templates.profile().model(), boxes);
        JsonSchema schema = schema(boxes);
        int n = attributes.size();
        List<String> ids = new ArrayList<>();
        List<List<AttributePhrases.Requirement>> required = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("s" + (i + 1));
            required.add(phrases.of(attributes.get(i)));
        }
        String task = task(spec, subjects, placement, templates, ids, required, boxes);

        LlmChat.Answered<Map<String, Draft>> first = chat.ask("subjects", prompt, system,
                List.of(new LlmChat.Turn(true, "Task: " + task)), schema, answer -> drafts(answer, boxes));
        Map<String, Draft> drafts = new LinkedHashMap<>(first.value());
        Map<String, String> violations = violations(ids, required, drafts);
        if (!violations.isEmpty()) {
            List<LlmChat.Turn> again = new ArrayList<>(first.conversation());
            again.add(new LlmChat.Turn(true, "These prompts break the rules: "
                    + violations.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining("; "))
                    + ". Write only these subjects again, each with all of its mustContain phrases word for word."));
            Map<String, Draft> retry = chat.ask("subjects", prompt, system, again, schema, answer -> drafts(answer, boxes))
                    .value();
            for (String id : violations.keySet()) {
                if (retry.containsKey(id)) {
                    Draft before = drafts.get(id);
                    Draft now = retry.get(id);
                    drafts.put(id, now.box() == null && before != null ? new Draft(now.prompt(), before.box()) : now);
                }
            }
            violations = violations(ids, required, drafts);
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = ids.get(i);
            if (violations.containsKey(id)) {
                notices.accept(id + ": the LLM's prompt " + violations.get(id) + " after being asked twice; "
                        + "used the template prompt");
                prompts.add(fallback.get(i));
            } else {
                prompts.add(drafts.get(id).prompt());
            }
        }
        return new Subjects(prompts, boxes ? boxes(ids, drafts, placement) : null);
    }

    /** A subject as the LLM wrote it; box {x, y, w, h} or null. */
    record Draft(String prompt, int[] box) {
    }

    private static Map<String, Draft> drafts(JsonNode answer, boolean boxes) {
        JsonNode subjects = answer.get("subjects");
        if (subjects == null || !subjects.isArray()) {
            throw new LlmChat.AnswerProblem("'subjects' must be an array of {id, prompt}");
        }
        Map<String, Draft> out = new LinkedHashMap<>();
        for (JsonNode s : subjects) {
            JsonNode id = s.get("id");
            JsonNode p = s.get("prompt");
            if (id == null || !id.isTextual() || p == null || !p.isTextual()) {
                throw new LlmChat.AnswerProblem("every subject needs a string 'id' and a string 'prompt'");
            }
            int[] box = null;
            JsonNode b = s.get("box");
            if (boxes && b != null && !b.isNull()) {
                if (!b.isArray() || b.size() != 4 || !allInts(b)) {
                    throw new LlmChat.AnswerProblem("the box of " + id.asText() + " must be [x, y, w, h] in whole pixels");
                }
                box = new int[] {b.get(0).asInt(), b.get(1).asInt(), b.get(2).asInt(), b.get(3).asInt()};
            }
            out.put(id.asText().strip(), new Draft(p.asText().replaceAll("\\s+", " ").strip(), box));
        }
        return out;
    }

    private static boolean allInts(JsonNode array) {
        for (JsonNode v : array) {
            if (!v.isNumber() || v.asDouble() % 1 != 0) {
                return false;
            }
        }
        return true;
    }

    /** id -> what is wrong ("lacks 'dark skin'"), for the subjects whose prompt misses a phrase. */
    private static Map<String, String> violations(List<String> ids, List<List<AttributePhrases.Requirement>> required,
                                                  Map<String, Draft> drafts) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            Draft d = drafts.get(ids.get(i));
            if (d == null || d.prompt().isEmpty()) {
                out.put(ids.get(i), "is missing");
                continue;
            }
            List<AttributePhrases.Requirement> missing = AttributePhrases.missing(d.prompt(), required.get(i));
            if (!missing.isEmpty()) {
                out.put(ids.get(i), "lacks " + missing.stream().map(r -> "'" + r.asked() + "' (" + r.dimension() + "="
                        + r.value() + ")").collect(Collectors.joining(", ")));
            }
        }
        return out;
    }

    /** The LLM's boxes, clipped to the canvas, or null (with a notice) when they cannot be used. */
    List<Box> boxes(List<String> ids, Map<String, Draft> drafts, Layout.Placement placement) {
        int width = placement.width();
        int height = placement.height();
        List<Box> out = new ArrayList<>();
        for (String id : ids) {
            Draft d = drafts.get(id);
            if (d == null || d.box() == null) {
                notices.accept("the LLM gave no box for " + id + "; kept the layout's boxes");
                return null;
            }
            int[] b = d.box();
            long asked = (long) Math.max(0, b[2]) * Math.max(0, b[3]);
            int x0 = Math.max(0, b[0]);
            int y0 = Math.max(0, b[1]);
            int x1 = Math.min(width, b[0] + b[2]);
            int y1 = Math.min(height, b[1] + b[3]);
            Box clipped = new Box(x0, y0, x1 - x0, y1 - y0);
            if (asked == 0 || clipped.w() < MIN_SIDE || clipped.h() < MIN_SIDE || clipped.area() < MIN_KEPT_AREA * asked) {
                notices.accept(String.format(Locale.ROOT, "the LLM's box for %s [%d, %d, %d, %d] lies mostly outside "
                        + "the %dx%d canvas; kept the layout's boxes", id, b[0], b[1], b[2], b[3], width, height));
                return null;
            }
            if (clipped.area() != asked) {
                notices.accept(String.format(Locale.ROOT, "clipped the LLM's box for %s to the %dx%d canvas", id, width, height));
            }
            out.add(clipped);
        }
        for (int i = 0; i < out.size(); i++) {
            for (int j = i + 1; j < out.size(); j++) {
                if (PlanValidator.overlapFraction(out.get(i), out.get(j)) > PlanValidator.MAX_OVERLAP) {
                    notices.accept("the LLM's boxes for " + ids.get(i) + " and " + ids.get(j)
                            + " overlap too much; kept the layout's boxes");
                    return null;
                }
            }
        }
        return out;
    }

    private String system(String model, boolean boxes) {
        String text = prompt.system()
                .replace("{model}", model)
                .replace("{boxes}", boxes ? prompt.doc().path("boxes").asText("").strip() : "");
        StringBuilder out = new StringBuilder(prompt.header()).append('\n').append(text.strip()).append("\n\nExample:\n");
        for (JsonNode example : prompt.examples()) {
            out.append("Task: ").append(LlmRequestReader.compact(example.path("task"))).append('\n');
            out.append("Answer: ").append(LlmRequestReader.compact(example.path("answer"))).append("\n\n");
        }
        return out.toString().strip();
    }

    private static String task(GroupSpec spec, List<Subject> members, Layout.Placement placement,
                               PromptWriter templates, List<String> ids,
                               List<List<AttributePhrases.Requirement>> required, boolean boxes) {
        ObjectNode task = JSON.createObjectNode();
        task.put("request", spec.request());
        task.put("scene", templates.scene(spec, false));
        String style = templates.style(spec);
        if (style.isBlank()) {
            task.putNull("style");
        } else {
            task.put("style", style);
        }
        ObjectNode canvas = task.putObject("canvas");
        canvas.put("width", placement.width());
        canvas.put("height", placement.height());
        ArrayNode subjects = task.putArray("subjects");
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode s = subjects.addObject();
            s.put("id", ids.get(i));
            Subject member = members.get(i);
            s.put("subject", member.group().words() != null ? member.group().words() : member.group().label());
            String details = templates.details(member.group(), spec);
            if (!details.isBlank()) {
                s.put("details", details);
            }
            ObjectNode a = s.putObject("attributes");
            member.attributes().forEach(a::put);
            ArrayNode must = s.putArray("mustContain");
            required.get(i).forEach(r -> must.add(r.asked()));
            if (boxes) {
                Box b = placement.boxes().get(i);
                s.putArray("layoutBox").add(b.x()).add(b.y()).add(b.w()).add(b.h());
            }
        }
        return LlmRequestReader.compact(task);
    }

    private static JsonSchema schema(boolean boxes) {
        JsonObjectSchema.Builder subject = JsonObjectSchema.builder()
                .addStringProperty("id")
                .addStringProperty("prompt");
        if (boxes) {
            subject.addProperty("box", JsonArraySchema.builder().items(new JsonIntegerSchema())
                    .description("[x, y, w, h] in pixels on the canvas").build());
            subject.required("id", "prompt", "box");
        } else {
            subject.required("id", "prompt");
        }
        JsonObjectSchema root = JsonObjectSchema.builder()
                .addProperty("subjects", JsonArraySchema.builder().items(subject.additionalProperties(false).build()).build())
                .required("subjects")
                .additionalProperties(false)
                .build();
        return JsonSchema.builder().name(boxes ? "subject_prompts_and_boxes" : "subject_prompts").rootElement(root).build();
    }
}
