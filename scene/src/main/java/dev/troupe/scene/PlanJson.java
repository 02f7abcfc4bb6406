package dev.troupe.scene;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

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

    /** The largest plan file read: some hundred thousand regions, far more than any canvas holds. */
    public static final long MAX_BYTES = 64_000_000;

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
            var location = e.getLocation();
            throw new PlanException("the plan is not valid JSON"
                    + (location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")")
                    + ": " + JsonErrors.describe(e), e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new PlanException("the plan is empty; expected a JSON object such as the output of 'troupe plan'");
        }
        if (tree.isObject() && tree.has("version") && tree.get("version").isIntegralNumber()
                && !ScenePlan.READABLE_VERSIONS.contains((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, tree.get("version").asLong())))) {
            throw PlanValidator.unknownVersion(tree.get("version"));
        }
        SCHEMA.checkAndFillDefaults(tree);
        ScenePlan plan;
        try {
            plan = MAPPER.treeToValue(tree, ScenePlan.class);
        } catch (JsonProcessingException e) {
            throw new PlanException("the plan does not fit the plan format: " + JsonErrors.describe(e), e);
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
            json = FileErrors.readText(file, "plan file", MAX_BYTES);
        } catch (UserInputException e) {
            throw new PlanException(e.getMessage(), e);
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
            String problem = FileErrors.notARegularFile(loraFile);
            if (problem != null) {
                throw new PlanException(plan + ": " + who + " names LoRA file " + lora.file()
                        + ", which " + problem + " (looked at " + loraFile + ")");
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
}
