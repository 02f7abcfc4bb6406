package dev.troupe.batch.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.planner.Distribution;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.layout.Layout;
import dev.troupe.planner.write.Profile;
import dev.troupe.scene.FileErrors;
import dev.troupe.scene.JsonErrors;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One job, checked: either a request with its planning options, or a finished plan; plus what applies to both
 * (seed, model, LoRAs). A job that does not check out throws a {@link UserInputException} naming the field, and
 * fails alone.
 *
 * @param request   the request to plan, or null for a plan job
 * @param plan      the plan to draw, or null for a request job
 * @param options   planning options (seed, count, size, layout, profile, mixes, per-subject values)
 * @param loras     LoRAs for every region (absolute paths)
 * @param model     model reference for the plan: "embedded", or an absolute folder; null keeps the plan's or profile's
 */
public record JobSpec(Manifest.Entry entry, String request, ScenePlan plan, PlanOptions options, List<LoraRef> loras,
                      String model) {

    private static final Set<String> PLAN_JOB_FIELDS = Set.of("name", "plan", "seed", "loras", "model", "repeat");

    public String name() {
        return entry.name();
    }

    public static JobSpec parse(Manifest.Entry entry, Manifest manifest, Lexicon lexicon, long batchSeed) {
        if (entry.error() != null) {
            throw new UserInputException(entry.error());
        }
        JsonNode job = entry.fields();
        for (Iterator<String> it = job.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!Manifest.JOB_FIELDS.contains(field)) {
                throw new UserInputException("unknown field '" + field + "'; a job takes "
                        + String.join(", ", Manifest.sorted(Manifest.JOB_FIELDS)));
            }
        }
        boolean hasRequest = job.has("request");
        boolean hasPlan = job.has("plan");
        if (hasRequest == hasPlan) {
            throw new UserInputException(hasRequest ? "a job has either 'request' or 'plan', not both"
                    : "a job needs 'request' (English) or 'plan' (a plan file or object)");
        }
        long seed = seed(job, entry, batchSeed);
        List<LoraRef> loras = loras(job.get("loras"), manifest.folder());
        String model = model(job.get("model"), manifest.folder());
        if (hasPlan) {
            for (String field : entry.own()) {
                if (!PLAN_JOB_FIELDS.contains(field)) {
                    throw new UserInputException("'" + field + "' applies to requests; a plan job takes only "
                            + String.join(", ", Manifest.sorted(PLAN_JOB_FIELDS)));
                }
            }
            ScenePlan plan = readPlan(job.get("plan"), manifest.folder());
            if (job.has("seed")) {
                plan = plan.withSeed(seed);
            }
            return new JobSpec(entry, null, plan, PlanOptions.seeded(plan.seed()), loras, model);
        }
        if (!job.get("request").isTextual() || job.get("request").asText().isBlank()) {
            throw new UserInputException("request must be text, e.g. request: \"five office workers in an office\"");
        }
        PlanOptions options = PlanOptions.seeded(seed).withProfile(text(job, "profile", Profile.DEFAULT))
                .withLayout(text(job, "layout", null)).withMaxOverlap(Layout.DEFAULT_MAX_OVERLAP);
        Profile.named(options.profile()); // an unknown profile fails here, naming the known ones
        if (job.has("count")) {
            JsonNode count = job.get("count");
            if (!count.isIntegralNumber()) {
                throw new UserInputException("count must be a whole number, got " + count);
            }
            options = options.withCount(count.asInt());
        }
        if (job.has("size")) {
            options = options.withSize(PlanOptions.parseSize(text(job, "size", "")));
        }
        JsonNode mixes = job.get("mixes");
        if (mixes != null) {
            if (!mixes.isObject()) {
                throw new UserInputException("mixes must map dimensions to mixes, e.g. mixes: {gender: \"female:1,male:1\"}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = mixes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> m = it.next();
                Map.Entry<String, Distribution> parsed = Manifest.mix(m.getKey(), m.getValue(), lexicon);
                options = options.withMix(parsed.getKey(), parsed.getValue());
            }
        }
        JsonNode set = job.get("set");
        if (set != null) {
            if (!set.isArray()) {
                throw new UserInputException("set must be a list such as [\"2:glasses=yes\"]");
            }
            for (JsonNode one : set) {
                options = options.withOverride(one.asText(), "set", "\"2:glasses=yes\"");
            }
        }
        return new JobSpec(entry, job.get("request").asText(), null, options, loras, model);
    }

    /** The job's own seed; else one drawn from the batch seed and the job's name (stable when jobs are added). */
    private static long seed(JsonNode job, Manifest.Entry entry, long batchSeed) {
        JsonNode seed = job.get("seed");
        if (seed != null) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong() || seed.asLong() < 0) {
                throw new UserInputException("seed must be a whole number >= 0, got " + seed);
            }
            return seed.asLong() + Math.max(0, entry.repeat() - 1);
        }
        return derivedSeed(batchSeed, entry.name());
    }

    public static long derivedSeed(long batchSeed, String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (batchSeed + "/" + name).getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | (digest[i] & 0xFF);
            }
            return value & 0x7FFFFFFFL;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String text(JsonNode job, String field, String fallback) {
        JsonNode value = job.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual() && !value.isNumber()) {
            throw new UserInputException(field + " must be text, got " + value);
        }
        return value.asText();
    }

    /** [{file: a.safetensors, weight: 0.8}] or ["a.safetensors:0.8"]; files relative to the manifest, and present. */
    private static List<LoraRef> loras(JsonNode node, Path folder) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new UserInputException("loras must be a list, e.g. loras: [{file: faces/anna.safetensors, weight: 0.8}]");
        }
        List<LoraRef> loras = new ArrayList<>();
        for (JsonNode one : node) {
            String file;
            double weight = 1.0;
            if (one.isTextual()) {
                String text = one.asText();
                int colon = text.lastIndexOf(':');
                file = text;
                if (colon > 0 && text.substring(colon + 1).matches("-?[0-9.]+")) {
                    file = text.substring(0, colon);
                    weight = Double.parseDouble(text.substring(colon + 1));
                }
            } else if (one.isObject() && one.path("file").isTextual()) {
                file = one.get("file").asText();
                if (one.has("weight")) {
                    if (!one.get("weight").isNumber()) {
                        throw new UserInputException("LoRA " + file + ": weight must be a number, got " + one.get("weight"));
                    }
                    weight = one.get("weight").asDouble();
                }
            } else {
                throw new UserInputException("a LoRA is {file: x.safetensors, weight: 0.8} or \"x.safetensors:0.8\", got " + one);
            }
            Path path = folder.resolve(file).normalize();
            if (FileErrors.notARegularFile(path) != null) {
                throw new UserInputException("LoRA file " + file + " " + FileErrors.notARegularFile(path)
                        + " (looked at " + path + ")");
            }
            if (!Double.isFinite(weight)) {
                throw new UserInputException("LoRA " + file + ": weight must be finite");
            }
            loras.add(new LoraRef(path.toString(), weight));
        }
        return List.copyOf(loras);
    }

    private static String model(JsonNode node, Path folder) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new UserInputException("model must be 'embedded' or a model folder, got " + node);
        }
        String model = node.asText();
        if (model.equals("embedded")) {
            return model;
        }
        Path path = folder.resolve(model).normalize();
        if (!Files.isDirectory(path)) {
            throw new UserInputException("model folder " + model + (Files.exists(path) ? " is not a folder" : " does not exist")
                    + " (looked at " + path + ")");
        }
        return path.toString();
    }

    private static ScenePlan readPlan(JsonNode node, Path folder) {
        if (node.isTextual()) {
            Path file = folder.resolve(node.asText()).normalize();
            if (FileErrors.notARegularFile(file) != null) {
                throw new UserInputException("plan file " + node.asText() + " " + FileErrors.notARegularFile(file)
                        + " (looked at " + file + ")");
            }
            ScenePlan plan = PlanJson.read(file);
            // LoRA and model paths in a plan are relative to the plan file: make them absolute, as the outputs move
            java.util.function.Function<List<LoraRef>, List<LoraRef>> absolute = loras -> loras.stream()
                    .map(l -> new LoraRef(file.getParent().resolve(l.file()).normalize().toString(), l.weight())).toList();
            List<dev.troupe.scene.Region> regions = plan.regions().stream().map(r -> r.withLoras(absolute.apply(r.loras())))
                    .toList();
            String model = plan.model().equals("embedded") || Path.of(plan.model()).isAbsolute() ? plan.model()
                    : file.getParent().resolve(plan.model()).normalize().toString();
            return plan.withModel(model, absolute.apply(plan.loras())).withRegions(regions);
        }
        if (node.isObject()) {
            try {
                return PlanJson.read(new ObjectMapper().writeValueAsString(node));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UserInputException("inline plan: " + JsonErrors.describe(e));
            }
        }
        throw new UserInputException("plan must be a plan file (relative to the manifest) or a plan object");
    }
}
