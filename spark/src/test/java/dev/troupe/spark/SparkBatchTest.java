package dev.troupe.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.batch.command.BatchCommand;
import dev.troupe.batch.command.CommandErrors;
import dev.troupe.renderer.fixtures.SdFixture;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The job's logic on {@code local[2]}: same files as troupe batch, failures recorded, resume, repeated tasks. */
class SparkBatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static JavaSparkContext spark;

    @TempDir
    static Path dir;

    private static Path model;

    record Output(int exit, String out, String err, SparkBatch.Run run) {
    }

    @BeforeAll
    static void start() throws Exception {
        spark = LocalSpark.local(2);
        model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
    }

    @AfterAll
    static void stop() {
        spark.close();
    }

    static Path manifest(Path folder, String extraJob) throws Exception {
        Files.createDirectories(folder);
        Path file = folder.resolve("jobs.yaml");
        Files.writeString(file, """
                seed: 11
                quotas:
                  gender: {female: 1, male: 1}
                defaults:
                  size: 64x32
                  count: 2
                jobs:
                  - request: "office workers in an office"
                    repeat: 4
                  - request: "three women in a park"
                    name: women
                    count: 3
                  - request: "nobody at all"
                    name: broken
                %s""".formatted(extraJob));
        return file;
    }

    static List<String> options(Path model) {
        return List.of("--planner", "rules", "--steps", "2", "--threads", "1", "--model", model.toString());
    }

    static Output spark(JavaSparkContext spark, Path manifest, Path out, List<String> options, String... more) {
        List<String> args = new ArrayList<>(List.of(manifest.toString(), out.toString()));
        args.addAll(options);
        args.addAll(List.of(more));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        SparkBatch.Run run = SparkBatch.run(spark, Map.of(), new PrintWriter(o, true), new PrintWriter(e, true),
                args.toArray(String[]::new));
        return new Output(run.exit(), o.toString(), e.toString(), run);
    }

    /** {@code troupe batch MANIFEST -o OUT -q OPTIONS}: the batch module's command, as troupe mounts it. */
    static Output batch(Path manifest, Path out, List<String> options) {
        List<String> args = new ArrayList<>(List.of(manifest.toString(), "-o", out.toString(), "-q"));
        args.addAll(options);
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int exit = CommandErrors.configure(new CommandLine(new BatchCommand()), new PrintWriter(o, true),
                new PrintWriter(e, true)).execute(args.toArray(String[]::new));
        return new Output(exit, o.toString(), e.toString(), null);
    }

    private static Map<String, String> index(Path out) throws Exception {
        Map<String, String> byName = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("index.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            byName.put(node.get("name").asText(), node.get("status").asText() + " " + node.path("stage").asText());
        }
        return byName;
    }

    @Test
    void writesWhatTroupeBatchWritesAndRecordsFailingJobsWithoutStopping() throws Exception {
        Path folder = dir.resolve("same");
        // a job whose model folder exists but holds no model: it fails on the executor, the others go on
        Files.createDirectories(folder.resolve("not-a-model"));
        Path manifest = manifest(folder, """
                  - request: "two chefs in a kitchen"
                    name: no-model
                    model: not-a-model
                """);
        List<String> options = List.of("--planner", "rules", "--steps", "2", "--threads", "1");
        // the jobs without a model of their own take the fixture's, by the manifest's defaults
        Files.writeString(manifest, Files.readString(manifest).replace("  count: 2\n", "  count: 2\n  model: " + model + "\n"));

        Output ref = batch(manifest, folder.resolve("batch"), options);
        Output run = spark(spark, manifest, folder.resolve("spark"), options);
        assertThat(run.exit()).as(run.err()).isEqualTo(ref.exit()).isEqualTo(2); // bad jobs, none failed while drawing
        assertThat(run.err()).contains("job broken (manifest line 14) failed at plan: did not find who is in the group")
                .contains("job no-model (manifest line 16) failed at model:");
        assertThat(run.out()).contains("7 jobs: 5 drawn, 0 skipped (already complete), 2 failed");
        assertThat(index(folder.resolve("spark"))).hasSize(7).containsEntry("broken", "failed plan")
                .containsEntry("no-model", "failed model").containsEntry("women", "ok ");

        Map<String, byte[]> expected = LocalSpark.files(folder.resolve("batch"));
        Map<String, byte[]> actual = LocalSpark.files(folder.resolve("spark"));
        assertThat(actual.keySet()).isEqualTo(expected.keySet()); // no .crc, no temporaries, nothing extra
        assertThat(expected).containsKeys("index.jsonl", "report.json", "distributions.png", "contact-sheet.png",
                "scenes/women.png", "scenes/women.plan.json", "scenes/women.boxes.png", "scenes/women.json");
        assertThat(LocalSpark.differing(expected, actual)).as("files that differ").isEmpty();
    }

    @Test
    void resumeSkipsCompleteJobsRedoesDamagedOnesAndARepeatedRunLeavesTheSameFiles() throws Exception {
        Path folder = dir.resolve("resume");
        Path manifest = manifest(folder, "");
        Path out = folder.resolve("out");
        assertThat(spark(spark, manifest, out, options(model)).exit()).isEqualTo(2); // the bad job
        Map<String, byte[]> before = LocalSpark.files(out);

        // a whole second run over the same folder, as a retried or speculative task would do per job
        Output again = spark(spark, manifest, out, options(model));
        assertThat(again.out()).contains("5 drawn, 0 skipped");
        assertThat(LocalSpark.differing(before, LocalSpark.files(out))).isEmpty();
        assertThat(LocalSpark.files(out).keySet()).isEqualTo(before.keySet());

        Path scenes = out.resolve("scenes");
        byte[] image = Files.readAllBytes(scenes.resolve("women.png"));
        Files.write(scenes.resolve("women.png"), java.util.Arrays.copyOf(image, image.length / 2));
        Files.delete(scenes.resolve("0001-office-workers-in-an-office-002.json"));
        Files.writeString(scenes.resolve(".women.png.1234.tmp"), "half");
        Output resumed = spark(spark, manifest, out, options(model), "--resume");
        assertThat(resumed.out()).as(resumed.err()).contains("6 jobs: 2 drawn, 3 skipped (already complete), 1 failed");
        assertThat(LocalSpark.files(out).keySet()).isEqualTo(before.keySet());
        assertThat(LocalSpark.differing(before, LocalSpark.files(out))).isEmpty();
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        Path folder = dir.resolve("bad");
        Path manifest = manifest(folder, "");
        Output partitions = spark(spark, manifest, folder.resolve("out"), options(model), "--partitions", "0");
        assertThat(partitions.exit()).isEqualTo(2);
        assertThat(partitions.err().strip()).isEqualTo("troupe: --partitions must be at least 1, not 0");

        // options the model refuses are found on the executors and stop the run there, before any report
        Output steps = spark(spark, manifest, folder.resolve("out"),
                List.of("--planner", "rules", "--steps", "0", "--model", model.toString()));
        assertThat(steps.exit()).as(steps.err()).isEqualTo(2);
        assertThat(steps.err()).contains("troupe: --steps must be between 1 and 999 for the ddim sampler with this model, not 0");
        assertThat(folder.resolve("out/report.json")).doesNotExist();
    }
}
