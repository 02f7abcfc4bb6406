package dev.troupe.batch.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.run.BatchRunner;
import dev.troupe.batch.store.BatchStore;
import dev.troupe.planner.Distribution;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The batch's own outputs: {@code index.jsonl} (one line per job, in manifest order), {@code report.json} (per
 * dimension the target against the planned and realized counts, and every failure with its error), the chart
 * {@code distributions.png} and the contact sheet(s). None holds a time or a path outside OUTDIR, so a batch that
 * was interrupted and resumed writes them byte for byte as one that ran straight through. A shard's files carry
 * its number ({@code report.shard-2-of-4.json}).
 */
public final class BatchReport {

    /**
     * One value of one dimension: the target share (null without a quota) and the counts: planned over every planned
     * job, realized (as planned) over the jobs done, and verified rendered: the subjects of jobs done with
     * {@code --verify} whose verifier read this value in the image (null where no verifier read this dimension).
     */
    public record Row(String dimension, String value, Double share, Integer target, int planned, int plannedOf,
                      int realized, int realizedOf, Integer verified, int verifiedOf) {
        public Row(String dimension, String value, Double share, Integer target, int planned, int plannedOf,
                   int realized, int realizedOf) {
            this(dimension, value, share, target, planned, plannedOf, realized, realizedOf, null, 0);
        }

        boolean withinVerified() {
            return verified != null && within(verified, verifiedOf);
        }

        boolean withinPlanned() {
            return within(planned, plannedOf);
        }

        boolean withinRealized() {
            return within(realized, realizedOf);
        }

        private boolean within(int count, int of) {
            if (share == null) {
                return true;
            }
            double aim = share * of;
            return count >= Math.floor(aim + 1e-9) && count <= Math.ceil(aim - 1e-9);
        }
    }

    private BatchReport() {
    }

    /**
     * Per dimension and value: planned over every planned job, realized over the jobs done ({@code done}, may be
     * null in a dry run). Quota dimensions first, with every value of the quota.
     */
    public static List<Row> rows(Map<String, Distribution> quotas, Map<String, Map<String, Integer>> targets,
                                 List<BatchPlanner.Planned> all, List<BatchRunner.Outcome> done) {
        Set<String> dims = new LinkedHashSet<>(quotas.keySet());
        all.stream().filter(BatchPlanner.Planned::ok)
                .forEach(p -> p.plan().regions().forEach(r -> dims.addAll(r.attributes().keySet())));
        List<ScenePlan> planned = all.stream().filter(BatchPlanner.Planned::ok).map(BatchPlanner.Planned::plan).toList();
        List<ScenePlan> realized = done == null ? List.of()
                : done.stream().filter(BatchRunner.Outcome::ok).map(o -> o.job().plan()).toList();
        List<Map<String, String>> read = done == null ? List.of() : readValues(done);
        List<Row> rows = new ArrayList<>();
        for (String dim : dims) {
            Map<String, Integer> p = counts(planned, dim);
            Map<String, Integer> r = counts(realized, dim);
            Map<String, Integer> v = new LinkedHashMap<>();
            read.forEach(subject -> {
                if (subject.containsKey(dim)) {
                    v.merge(subject.get(dim), 1, Integer::sum);
                }
            });
            Set<String> values = new LinkedHashSet<>();
            if (quotas.containsKey(dim)) {
                values.addAll(quotas.get(dim).shares().keySet());
            }
            values.addAll(p.keySet());
            values.addAll(r.keySet());
            values.addAll(v.keySet());
            int pOf = p.values().stream().mapToInt(Integer::intValue).sum();
            int rOf = r.values().stream().mapToInt(Integer::intValue).sum();
            int vOf = v.values().stream().mapToInt(Integer::intValue).sum();
            for (String value : values) {
                Distribution quota = quotas.get(dim);
                rows.add(new Row(dim, value, quota == null ? null : quota.share(value),
                        quota == null ? null : targets.getOrDefault(dim, Map.of()).getOrDefault(value, 0),
                        p.getOrDefault(value, 0), pOf, r.getOrDefault(value, 0), rOf,
                        vOf == 0 ? null : v.getOrDefault(value, 0), vOf));
            }
        }
        return rows;
    }

    /** Per subject of every job done with --verify, what its verifier read (from the job's sidecar). */
    private static List<Map<String, String>> readValues(List<BatchRunner.Outcome> done) {
        List<Map<String, String>> out = new ArrayList<>();
        for (BatchRunner.Outcome o : done) {
            if (!o.ok() || o.sidecar() == null) {
                continue;
            }
            for (JsonNode subject : o.sidecar().path("verification").path("subjects")) {
                Map<String, String> read = new LinkedHashMap<>();
                subject.path("read").fields().forEachRemaining(e -> read.put(e.getKey(), e.getValue().asText()));
                out.add(read);
            }
        }
        return out;
    }

    /** Every subject of a job done with --verify that stayed wrong: job, subject, planned and read values. */
    static List<ObjectNode> stayedWrong(List<BatchRunner.Outcome> done) {
        List<ObjectNode> out = new ArrayList<>();
        for (BatchRunner.Outcome o : done) {
            if (!o.ok() || o.sidecar() == null) {
                continue;
            }
            for (JsonNode subject : o.sidecar().path("verification").path("subjects")) {
                if (subject.path("verified").asBoolean(true)) {
                    continue;
                }
                String id = subject.path("id").asText();
                ObjectNode wrong = BatchRunner.JSON.createObjectNode();
                wrong.put("name", o.job().name());
                wrong.put("subject", id);
                ObjectNode planned = wrong.putObject("planned");
                o.job().plan().regions().stream().filter(r -> r.id().equals(id)).findFirst()
                        .ifPresent(r -> subject.path("read").fieldNames().forEachRemaining(dim ->
                                planned.put(dim, r.attributes().get(dim))));
                wrong.set("read", subject.path("read"));
                wrong.put("tries", subject.path("tries").asInt());
                out.add(wrong);
            }
        }
        return out;
    }

    private static Map<String, Integer> counts(List<ScenePlan> plans, String dim) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (ScenePlan plan : plans) {
            for (Region region : plan.regions()) {
                String v = region.attributes().get(dim);
                if (v != null) {
                    counts.merge(v, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /** The quota table printed by --dry-run and at the end of a batch. */
    public static String table(List<Row> rows, boolean withRealized) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(withRealized ? List.of("dimension", "value", "share", "target", "planned", "realized", "verified", "")
                : List.of("dimension", "value", "share", "target", "planned", "verified", ""));
        for (Row row : rows) {
            if (row.share() == null) {
                continue;
            }
            List<String> line = new ArrayList<>(List.of(row.dimension(), row.value(),
                    String.format(Locale.ROOT, "%.3f", row.share()),
                    String.format(Locale.ROOT, "%d (%.2f)", row.target(), row.share() * row.plannedOf()),
                    Integer.toString(row.planned())));
            if (withRealized) {
                line.add(Integer.toString(row.realized()));
            }
            line.add(row.verified() == null ? "-" : Integer.toString(row.verified()));
            line.add(!row.withinPlanned() ? "off target" : row.verified() != null && !row.withinVerified()
                    ? "drawn off target" : "ok");
            lines.add(line);
        }
        if (lines.size() == 1) {
            return "no quotas in the manifest\n";
        }
        int[] widths = new int[lines.get(0).size()];
        lines.forEach(l -> {
            for (int c = 0; c < l.size(); c++) {
                widths[c] = Math.max(widths[c], l.get(c).length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (List<String> l : lines) {
            StringBuilder one = new StringBuilder();
            for (int c = 0; c < l.size(); c++) {
                one.append(String.format(Locale.ROOT, "%-" + widths[c] + "s  ", l.get(c)));
            }
            out.append(one.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** Writes index, report, chart and contact sheet(s); returns the files written, relative to OUTDIR. */
    public static List<String> write(BatchStore store, String suffix, String manifestName, String shard,
                                     List<BatchRunner.Outcome> outcomes, List<Row> rows) throws IOException {
        List<String> written = new ArrayList<>();
        ObjectMapper compact = new ObjectMapper();
        StringBuilder index = new StringBuilder();
        for (BatchRunner.Outcome o : outcomes) {
            ObjectNode line = compact.createObjectNode();
            line.put("name", o.job().name());
            line.put("line", o.job().entry().line());
            line.put("status", o.ok() ? "ok" : "failed");
            if (o.ok()) {
                line.put("seed", o.job().plan().seed());
                line.put("subjects", o.job().plan().regions().size());
                for (String kind : List.of("image", "plan", "boxes")) {
                    line.put(kind, "scenes/" + o.sidecar().path("files").path(kind).path("file").asText());
                    line.put(kind + "Sha256", o.sidecar().path("files").path(kind).path("sha256").asText());
                }
                line.put("sidecar", "scenes/" + o.job().name() + ".json");
            } else {
                line.put("stage", o.stage());
                line.put("error", o.error());
                line.put("internal", o.internal());
            }
            index.append(compact.writeValueAsString(line)).append('\n');
        }
        String indexFile = "index" + suffix + ".jsonl";
        store.write(indexFile, index.toString().getBytes(StandardCharsets.UTF_8));
        written.add(indexFile);

        ObjectNode report = BatchRunner.JSON.createObjectNode();
        report.put("manifest", manifestName);
        report.put("shard", shard);
        report.put("jobs", outcomes.size());
        report.put("ok", outcomes.stream().filter(BatchRunner.Outcome::ok).count());
        report.put("failed", outcomes.stream().filter(o -> !o.ok()).count());
        report.put("subjects", outcomes.stream().filter(BatchRunner.Outcome::ok)
                .mapToInt(o -> o.job().plan().regions().size()).sum());
        ObjectNode dims = report.putObject("dimensions");
        for (Row row : rows) {
            ObjectNode dim = dims.has(row.dimension()) ? (ObjectNode) dims.get(row.dimension()) : dims.putObject(row.dimension());
            dim.put("quota", row.share() != null);
            ObjectNode values = dim.has("values") ? (ObjectNode) dim.get("values") : dim.putObject("values");
            ObjectNode v = values.putObject(row.value());
            if (row.share() != null) {
                v.put("targetShare", round(row.share()));
                v.put("target", row.target());
            }
            v.put("planned", row.planned());
            v.put("realized", row.realized());
            v.put("realizedShare", row.realizedOf() == 0 ? 0 : round(row.realized() / (double) row.realizedOf()));
            if (row.verified() != null) {
                v.put("verifiedRendered", row.verified());
            }
            if (row.share() != null) {
                v.put("plannedWithinFloorCeil", row.withinPlanned());
                v.put("realizedWithinFloorCeil", row.withinRealized());
                if (row.verified() != null) {
                    v.put("verifiedWithinFloorCeil", row.withinVerified());
                }
            }
        }
        if (outcomes.stream().anyMatch(o -> o.ok() && o.sidecar() != null && o.sidecar().has("verification"))) {
            ArrayNode wrong = report.putArray("stayedWrong");
            stayedWrong(outcomes).forEach(wrong::add);
        }
        ArrayNode failures = report.putArray("failures");
        for (BatchRunner.Outcome o : outcomes) {
            if (!o.ok()) {
                failures.addObject().put("name", o.job().name()).put("line", o.job().entry().line())
                        .put("stage", o.stage()).put("error", o.error()).put("internal", o.internal());
            }
        }
        report.put("note", "counts are of the attributes each plan assigns (what each subject's prompt asks for); "
                + "realized counts only jobs whose outputs are complete; verifiedRendered counts what the verifier "
                + "read in the images of complete jobs drawn with --verify (dimensions it reads only), and "
                + "stayedWrong lists each subject read otherwise than planned; in a shard, targets and planned are "
                + "the whole manifest's");
        String reportFile = "report" + suffix + ".json";
        store.write(reportFile, (BatchRunner.JSON.writeValueAsString(report) + "\n").getBytes(StandardCharsets.UTF_8));
        written.add(reportFile);

        String chart = "distributions" + suffix + ".png";
        store.write(chart, BatchCharts.distributions(rows));
        written.add(chart);
        written.addAll(BatchCharts.contactSheets(store, suffix, outcomes));
        return written;
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }
}
