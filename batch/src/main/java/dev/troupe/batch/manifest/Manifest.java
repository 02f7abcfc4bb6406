package dev.troupe.batch.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.troupe.planner.Distribution;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.PlanOptions;
import dev.troupe.scene.FileErrors;
import dev.troupe.scene.JsonErrors;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A batch manifest, read with Jackson: JSONL (one job a line; an optional first line {@code {"batch": {"seed": ..,
 * "quotas": {..}, "defaults": {..}}}}) or YAML ({@code seed}, {@code quotas}, {@code defaults}, then {@code jobs}).
 * Reading checks the structure only: a file that cannot be parsed, or a malformed header, is one error naming the
 * line; each job is checked later, on its own ({@link JobSpec}), so that one bad job fails alone.
 *
 * @param file    the manifest
 * @param seed    the batch seed, or null when the manifest sets none
 * @param quotas  dimension -> the distribution of its values over the whole batch
 * @param entries the jobs, defaults merged in and {@code repeat} expanded, in manifest order, with unique names
 */
public record Manifest(Path file, Long seed, Map<String, Distribution> quotas, List<Entry> entries) {

    /** The largest manifest read (a few hundred thousand jobs). */
    static final long MAX_BYTES = 64_000_000;

    /** Fields a job may set; all but {@link #JOB_ONLY} may also be defaults. */
    static final Set<String> JOB_FIELDS = Set.of("name", "request", "plan", "seed", "count", "size", "layout",
            "profile", "mixes", "set", "loras", "model", "repeat");
    static final Set<String> JOB_ONLY = Set.of("name", "request", "plan", "seed", "repeat");
    private static final int MAX_REPEAT = 100_000;

    /**
     * One job as the manifest gives it.
     *
     * @param line   the manifest line where the job starts (1-based)
     * @param name   unique output name (sanitized; see {@link JobNames})
     * @param fields the job's fields with the defaults merged in (the job's own win; mixes merge per dimension)
     * @param own    the fields the job itself set (not from defaults)
     * @param repeat 0 for a job without repeat, else its 1-based copy number
     * @param error  why the job is unusable as written (e.g. a bad repeat), or null
     */
    public record Entry(int line, String name, ObjectNode fields, Set<String> own, int repeat, String error) {
    }

    public Path folder() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("") : parent;
    }

    public static Manifest read(Path file, Lexicon lexicon) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.exists(file)) {
            throw new UserInputException("manifest " + file + " does not exist; give a .jsonl or .yaml file of jobs");
        }
        String text = FileErrors.readText(file, "manifest", MAX_BYTES);
        Raw raw;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            raw = readJsonLines(file, text);
        } else if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
            raw = readYaml(file, text);
        } else {
            throw new UserInputException("manifest " + file + ": name it .jsonl (one job a line) or .yaml "
                    + "(defaults, then jobs)");
        }
        Map<String, Distribution> quotas = quotas(file, raw, lexicon);
        return new Manifest(file, raw.seed, quotas, expand(raw));
    }

    /** The manifest's parts before the jobs are expanded. */
    private static final class Raw {
        Long seed;
        JsonNode quotas;
        int quotasLine;
        ObjectNode defaults;
        final List<ObjectNode> jobs = new ArrayList<>();
        final List<Integer> lines = new ArrayList<>();
    }

    private static Raw readJsonLines(Path file, String text) {
        ObjectMapper json = new ObjectMapper();
        Raw raw = new Raw();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("//")) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw new UserInputException(file + " line " + (i + 1) + ": not valid JSON (" + JsonErrors.describe(e)
                        + "); each line must be one job object, e.g. {\"request\": \"five office workers\", \"seed\": 3}");
            }
            if (!(node instanceof ObjectNode object)) {
                throw new UserInputException(file + " line " + (i + 1) + ": a line must be a JSON object (a job), "
                        + "e.g. {\"request\": \"five office workers\"}");
            }
            if (object.has("batch")) {
                if (!raw.jobs.isEmpty() || raw.defaults != null || raw.quotas != null || raw.seed != null) {
                    throw new UserInputException(file + " line " + (i + 1) + ": the {\"batch\": ...} line must be "
                            + "the first line, before any job");
                }
                if (object.size() != 1 || !(object.get("batch") instanceof ObjectNode header)) {
                    throw new UserInputException(file + " line " + (i + 1) + ": the header line is "
                            + "{\"batch\": {\"seed\": 1, \"quotas\": {...}, \"defaults\": {...}}} and nothing else");
                }
                header(file, i + 1, header, raw, Set.of("seed", "quotas", "defaults"));
                continue;
            }
            raw.jobs.add(object);
            raw.lines.add(i + 1);
        }
        return raw;
    }

    private static Raw readYaml(Path file, String text) {
        YAMLMapper yaml = new YAMLMapper();
        Raw raw = new Raw();
        try (JsonParser parser = yaml.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new UserInputException(file + ": a YAML manifest is a map with 'jobs:' (a list of jobs), and "
                        + "optionally 'seed:', 'quotas:' and 'defaults:' before it");
            }
            ObjectNode header = yaml.createObjectNode();
            int headerLine = 1;
            boolean sawJobs = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                int line = line(parser.currentLocation());
                JsonToken value = parser.nextToken();
                if (field.equals("jobs")) {
                    sawJobs = true;
                    if (value != JsonToken.START_ARRAY) {
                        throw new UserInputException(file + " line " + line + ": 'jobs' must be a list, e.g. "
                                + "jobs: [{request: \"five office workers\"}]");
                    }
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        int jobLine = line(parser.currentLocation());
                        JsonNode job = parser.readValueAsTree();
                        if (!(job instanceof ObjectNode object)) {
                            throw new UserInputException(file + " line " + jobLine + ": each job must be a map, "
                                    + "e.g. - request: \"five office workers\"");
                        }
                        raw.jobs.add(object);
                        raw.lines.add(jobLine);
                    }
                } else {
                    header.set(field, parser.readValueAsTree());
                    if (field.equals("quotas")) {
                        raw.quotasLine = line;
                    }
                    headerLine = Math.max(headerLine, line);
                }
            }
            if (!sawJobs) {
                throw new UserInputException(file + ": no 'jobs:' list; a YAML manifest lists its jobs under 'jobs:'");
            }
            header(file, raw.quotasLine > 0 ? raw.quotasLine : headerLine, header, raw, Set.of("seed", "quotas", "defaults"));
        } catch (JsonProcessingException e) {
            throw new UserInputException(file + " line " + line(e.getLocation()) + ": not valid YAML ("
                    + JsonErrors.describe(e) + ")");
        } catch (IOException e) {
            throw new UserInputException("cannot read manifest " + file + " (" + FileErrors.reason(e) + ")");
        }
        return raw;
    }

    private static int line(JsonLocation location) {
        return location == null ? 0 : location.getLineNr();
    }

    private static void header(Path file, int line, ObjectNode header, Raw raw, Set<String> allowed) {
        for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw new UserInputException(file + " line " + line + ": unknown batch setting '" + field
                        + "'; a manifest sets seed, quotas and defaults, then its jobs");
            }
        }
        JsonNode seed = header.get("seed");
        if (seed != null) {
            if (!seed.canConvertToLong() || !seed.isIntegralNumber()) {
                throw new UserInputException(file + " line " + line + ": seed must be a whole number, got " + seed);
            }
            raw.seed = seed.asLong();
        }
        raw.quotas = header.get("quotas");
        if (raw.quotasLine == 0) {
            raw.quotasLine = line;
        }
        JsonNode defaults = header.get("defaults");
        if (defaults != null) {
            if (!(defaults instanceof ObjectNode object)) {
                throw new UserInputException(file + " line " + line + ": defaults must be a map of job settings, "
                        + "e.g. defaults: {count: 4, size: 256x128}");
            }
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!JOB_FIELDS.contains(field) || JOB_ONLY.contains(field)) {
                    throw new UserInputException(file + " line " + line + ": '" + field + "' cannot be a default; "
                            + "defaults may set " + String.join(", ", sorted(without(JOB_FIELDS, JOB_ONLY))));
                }
            }
            raw.defaults = object;
        }
    }

    private static Map<String, Distribution> quotas(Path file, Raw raw, Lexicon lexicon) {
        Map<String, Distribution> quotas = new LinkedHashMap<>();
        if (raw.quotas == null || raw.quotas.isNull()) {
            return quotas;
        }
        String where = file + " line " + raw.quotasLine + ": quotas";
        if (!raw.quotas.isObject()) {
            throw new UserInputException(where + " must map dimensions to mixes, e.g. quotas: {skin: \"light:1,dark:1\"}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = raw.quotas.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> q = it.next();
            try {
                Map.Entry<String, Distribution> parsed = mix(q.getKey(), q.getValue(), lexicon);
                quotas.put(parsed.getKey(), parsed.getValue());
            } catch (UserInputException e) {
                throw new UserInputException(where + "." + q.getKey() + ": " + e.getMessage());
            }
        }
        return quotas;
    }

    /** A mix as a manifest writes it: "light:1,dark:1" or {light: 1, dark: 1}. */
    static Map.Entry<String, Distribution> mix(String dimension, JsonNode value, Lexicon lexicon) {
        String text;
        if (value.isTextual()) {
            text = value.asText();
        } else if (value.isObject()) {
            List<String> parts = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new UserInputException("weight of " + e.getKey() + " must be a number, got " + e.getValue());
                }
                parts.add(e.getKey() + ":" + e.getValue().asDouble());
            }
            text = String.join(",", parts);
        } else {
            throw new UserInputException("a mix is \"value:weight,...\" or a map of value to weight, got " + value);
        }
        return PlanOptions.parseMix(dimension + "=" + text, lexicon);
    }

    /** Defaults merged into each job, repeat expanded, names made unique. */
    private static List<Entry> expand(Raw raw) {
        JobNames names = new JobNames();
        List<Entry> entries = new ArrayList<>();
        for (int j = 0; j < raw.jobs.size(); j++) {
            ObjectNode job = raw.jobs.get(j);
            int line = raw.lines.get(j);
            ObjectNode merged = raw.defaults == null ? job.objectNode() : raw.defaults.deepCopy();
            Set<String> own = new LinkedHashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = job.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                own.add(f.getKey());
                if (f.getKey().equals("mixes") && f.getValue().isObject() && merged.get("mixes") instanceof ObjectNode base) {
                    ObjectNode mixes = base.deepCopy();
                    mixes.setAll((ObjectNode) f.getValue());
                    merged.set("mixes", mixes);
                } else {
                    merged.set(f.getKey(), f.getValue());
                }
            }
            String base = JobNames.baseName(merged, entries.size() + 1);
            JsonNode repeat = job.get("repeat");
            if (repeat == null) {
                entries.add(new Entry(line, names.claim(base), merged, own, 0, null));
                continue;
            }
            if (!repeat.isIntegralNumber() || repeat.asLong() < 1 || repeat.asLong() > MAX_REPEAT) {
                entries.add(new Entry(line, names.claim(base), merged, own, 0,
                        "repeat must be a whole number from 1 to " + MAX_REPEAT + ", got " + repeat));
                continue;
            }
            int copies = repeat.asInt();
            int width = Integer.toString(copies).length();
            for (int k = 1; k <= copies; k++) {
                String copy = base + "-" + String.format(Locale.ROOT, "%0" + Math.max(3, width) + "d", k);
                entries.add(new Entry(line, names.claim(copy), merged, own, k, null));
            }
        }
        return List.copyOf(entries);
    }

    private static Set<String> without(Set<String> all, Set<String> removed) {
        Set<String> rest = new LinkedHashSet<>(all);
        rest.removeAll(removed);
        return rest;
    }

    static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
