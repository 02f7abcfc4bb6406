package dev.troupe.scene;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes {@link ScenePlan} JSON. Reading checks the shape against the shipped schema
 * ({@link PlanSchema}) and the meaning with {@link PlanValidator}, and names the exact problem.
 * Field names are the record component names.
 */
public final class PlanJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final PlanSchema SCHEMA = PlanSchema.load(MAPPER);

    private PlanJson() {
    }

    public static PlanSchema schema() {
        return SCHEMA;
    }

    /** Parses and validates a plan. @throws PlanException naming the problem */
    public static ScenePlan read(String json) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String detail = e.getOriginalMessage();
            var location = e.getLocation();
            throw new PlanException("the plan is not valid JSON"
                    + (location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")")
                    + ": " + firstLine(detail), e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new PlanException("the plan is empty; expected a JSON object such as the output of 'troupe plan'");
        }
        if (tree.isObject() && tree.has("version") && tree.get("version").isIntegralNumber()
                && tree.get("version").asLong() != ScenePlan.CURRENT_VERSION) {
            throw new PlanException("unknown plan version " + tree.get("version") + "; this Troupe reads version "
                    + ScenePlan.CURRENT_VERSION + " (make the plan again with 'troupe plan')");
        }
        SCHEMA.checkAndFillDefaults(tree);
        ScenePlan plan;
        try {
            plan = MAPPER.treeToValue(tree, ScenePlan.class);
        } catch (JsonProcessingException e) {
            throw new PlanException("the plan does not fit the plan format: " + firstLine(e.getOriginalMessage()), e);
        }
        PlanValidator.validate(plan);
        return plan;
    }

    /**
     * Reads a plan file; LoRA paths in it are relative to the file's folder, and must exist.
     *
     * @throws PlanException naming the file and the problem
     */
    public static ScenePlan read(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PlanException("plan file " + file + " does not exist");
        } catch (IOException e) {
            throw new PlanException("cannot read plan file " + file + ": " + e.getMessage(), e);
        }
        ScenePlan plan;
        try {
            plan = read(json);
        } catch (PlanException e) {
            throw new PlanException(file + ": " + e.getMessage(), e);
        }
        Path folder = file.toAbsolutePath().getParent();
        requireFiles(file, "the plan", plan.loras(), folder);
        for (Region region : plan.regions()) {
            requireFiles(file, "region " + region.id(), region.loras(), folder);
        }
        return plan;
    }

    private static void requireFiles(Path plan, String who, List<LoraRef> loras, Path folder) {
        for (LoraRef lora : loras) {
            Path loraFile = folder.resolve(lora.file());
            if (!Files.isRegularFile(loraFile)) {
                throw new PlanException(plan + ": " + who + " names LoRA file " + lora.file()
                        + ", which does not exist (looked at " + loraFile + ")");
            }
        }
    }

    /** The plan as indented JSON, after validating it (a plan that cannot be read back is never written). */
    public static String write(ScenePlan plan) {
        PlanValidator.validate(plan);
        try {
            return MAPPER.writeValueAsString(plan) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a validated plan", e);
        }
    }

    /** Writes the plan to {@code file} atomically (temporary file, then rename). */
    public static void write(ScenePlan plan, Path file) {
        AtomicFiles.writeString(file, write(plan));
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
