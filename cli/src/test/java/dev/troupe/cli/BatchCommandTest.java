package dev.troupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.batch.command.ExitCodes;
import dev.troupe.renderer.fixtures.SdFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** troupe batch end to end, on the fixture model (tiny ONNX graphs), so that every run takes a moment. */
class BatchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path model;

    @BeforeEach
    void fixture() throws Exception {
        model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
    }

    private CliRun run(String... args) {
        Map<String, String> env = new HashMap<>(CliRun.HERMETIC);
        env.put("TROUPE_LLM_API_KEY", "sk-secret-never-written");
        return CliRun.of(env, args);
    }

    private List<String> common(Path manifest, Path out) {
        return new ArrayList<>(List.of("batch", manifest.toString(), "-o", out.toString(), "--model", model.toString(),
                "--steps", "2", "--threads", "1", "-q"));
    }

    private Path manifest(int jobs) throws Exception {
        Path file = dir.resolve("jobs.yaml");
        Files.writeString(file, """
                seed: 5
                quotas:
                  gender: {female: 1, male: 1}
                  skin: "light:1,medium:1,dark:1"
                defaults:
                  size: 64x32
                  count: 2
                jobs:
                  - request: "office workers in an office"
                    repeat: %d
                  - request: "three women in a park"
                    name: "../women"
                    count: 3
                  - request: "nobody at all"
                    name: broken
                """.formatted(jobs));
        return file;
    }

    private static Map<String, String> lines(Path index) throws Exception {
        Map<String, String> byName = new TreeMap<>();
        for (String line : Files.readAllLines(index)) {
            JsonNode node = JSON.readTree(line);
            byName.put(node.get("name").asText(), node.get("status").asText());
        }
        return byName;
    }

    @Test
    void drawsEveryJobMeetsTheQuotasAndRecordsTheBadJobWithoutStopping() throws Exception {
        Path out = dir.resolve("out");
        List<String> args = common(manifest(5), out);
        args.addAll(List.of("--workers", "2"));
        CliRun r = run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT); // one job is bad; the others are drawn
        assertThat(r.err()).contains("job broken (manifest line 14) failed at plan: did not find who is in the group");
        assertThat(r.out()).contains("7 jobs: 6 drawn, 0 skipped (already complete), 1 failed");

        Path scenes = out.resolve("scenes");
        for (String name : List.of("0001-office-workers-in-an-office-001", "women")) {
            assertThat(ImageIO.read(scenes.resolve(name + ".png").toFile()).getWidth()).isEqualTo(64);
            assertThat(scenes.resolve(name + ".plan.json")).exists();
            assertThat(scenes.resolve(name + ".boxes.png")).exists();
            JsonNode sidecar = JSON.readTree(scenes.resolve(name + ".json").toFile());
            assertThat(sidecar.path("model").path("sha256").asText()).hasSize(64);
            assertThat(sidecar.path("regionSeeds").size()).isEqualTo(sidecar.path("subjects").asInt());
            assertThat(sidecar.path("settings").path("steps").asInt()).isEqualTo(2);
            assertThat(sidecar.path("timings").has("renderMs")).isTrue();
        }
        assertThat(dir.resolve("women.png")).doesNotExist();
        try (Stream<Path> all = Files.walk(out)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("sk-secret");
            }
        }

        assertThat(lines(out.resolve("index.jsonl"))).hasSize(7).containsEntry("broken", "failed").containsEntry("women", "ok");
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        assertThat(report.path("ok").asInt()).isEqualTo(6);
        assertThat(report.path("failures").get(0).path("name").asText()).isEqualTo("broken");
        assertThat(report.path("failures").get(0).path("error").asText()).contains("did not find who is in the group");
        // 5 x 2 office workers + 3 women pinned female: 13 subjects, 6.5 each way, so 6 or 7
        JsonNode gender = report.path("dimensions").path("gender").path("values");
        assertThat(gender.path("female").path("realized").asInt() + gender.path("male").path("realized").asInt()).isEqualTo(13);
        for (String dim : List.of("gender", "skin")) {
            report.path("dimensions").path(dim).path("values").forEach(v -> {
                assertThat(v.path("realizedWithinFloorCeil").asBoolean()).as(dim + " " + v).isTrue();
                assertThat(v.path("realized").asInt()).isEqualTo(v.path("target").asInt());
            });
        }
        assertThat(ImageIO.read(out.resolve("distributions.png").toFile())).isNotNull();
        assertThat(ImageIO.read(out.resolve("contact-sheet.png").toFile()).getWidth()).isEqualTo(6 * 160);
    }

    @Test
    void aJobTooLargeForTheMemoryFailsAloneNamingTheEstimate() throws Exception {
        Path file = dir.resolve("memory.yaml");
        Files.writeString(file, """
                seed: 5
                defaults:
                  size: 64x32
                  count: 2
                jobs:
                  - request: "two people in a park"
                    name: small
                  - request: "two people in a park"
                    name: huge
                    size: 16384x16384
                """);
        Path out = dir.resolve("out");
        CliRun r = run(common(file, out).toArray(String[]::new));
        // 16384 pixels a side: each subject's crop alone needs terabytes of attention scores, on any machine
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("job huge").contains("failed at render: drawing this scene needs about")
                .contains("of memory available");
        assertThat(lines(out.resolve("index.jsonl"))).containsEntry("small", "ok").containsEntry("huge", "failed");
        assertThat(out.resolve("scenes/huge.png")).doesNotExist();
    }

    @Test
    void dryRunPrintsTheQuotaTableAndWritesNothing() throws Exception {
        Path out = dir.resolve("dry");
        CliRun r = run("batch", manifest(20).toString(), "--dry-run", "-o", out.toString());
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.out()).contains("22 jobs, 43 subjects, 1 failed to plan").contains("broken (line 14)")
                .containsPattern("gender +female +0\\.500 +2[12] \\(21\\.50\\) +2[12] +- +ok")
                .containsPattern("skin +dark +0\\.333 +1[45] \\(14\\.33\\) +1[45] +- +ok");
        assertThat(out).doesNotExist();
    }

    @Test
    void plansWithTheEnvironmentTroupeHandsIt() throws Exception {
        // the batch command lives in the batch module; troupe hands it its environment as it does its own commands
        Path manifest = manifest(1);
        CliRun hermetic = run("batch", manifest.toString(), "--dry-run");
        assertThat(hermetic.err()).doesNotContain("no LLM endpoint configured"); // TROUPE_PLANNER=rules
        CliRun bogus = CliRun.of(Map.of("TROUPE_PLANNER", "bogus", "TROUPE_CONFIG", "/dev/null"),
                "batch", manifest.toString(), "--dry-run");
        assertThat(bogus.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(bogus.err()).isEqualTo("troupe: unknown planner 'bogus'; planners: rules, openai, ollama, auto\n");
    }

    @Test
    void resumeSkipsCompleteJobsAndRedoesDamagedOnes() throws Exception {
        Path out = dir.resolve("out");
        Path manifest = manifest(3);
        assertThat(run(common(manifest, out).toArray(String[]::new)).exit()).isEqualTo(ExitCodes.BAD_INPUT);
        Map<String, byte[]> before = files(out);
        Path scenes = out.resolve("scenes");
        // a truncated image, a missing sidecar (the run died before it), and a stray temporary file
        byte[] image = Files.readAllBytes(scenes.resolve("women.png"));
        Files.write(scenes.resolve("women.png"), java.util.Arrays.copyOf(image, image.length / 2));
        Files.delete(scenes.resolve("0001-office-workers-in-an-office-002.json"));
        Files.writeString(scenes.resolve(".women.png.1234.tmp"), "half");

        List<String> args = common(manifest, out);
        args.add("--resume");
        CliRun r = run(args.toArray(String[]::new));
        assertThat(r.out()).as(r.err()).contains("5 jobs: 2 drawn, 2 skipped (already complete), 1 failed");
        assertThat(scenes.resolve(".women.png.1234.tmp")).doesNotExist();
        assertSameOutputs(before, files(out));

        // a different setting is a different job: nothing is skipped
        List<String> changed = common(manifest, out);
        changed.set(changed.indexOf("--steps") + 1, "3");
        changed.add("--resume");
        assertThat(run(changed.toArray(String[]::new)).out()).contains("4 drawn, 0 skipped");
    }

    @Test
    void shardsTogetherDrawTheWholeManifestOnce() throws Exception {
        Path manifest = manifest(4);
        Path whole = dir.resolve("whole");
        run(common(manifest, whole).toArray(String[]::new));
        Path shared = dir.resolve("shared");
        Map<String, String> seen = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            List<String> args = common(manifest, shared);
            args.addAll(List.of("--shard", i + "/3"));
            CliRun r = run(args.toArray(String[]::new));
            assertThat(r.out()).contains("(shard " + i + "/3)");
            Map<String, String> part = lines(shared.resolve("index.shard-" + i + "-of-3.jsonl"));
            assertThat(part.keySet()).isNotEmpty().allSatisfy(name -> assertThat(seen).doesNotContainKey(name));
            seen.putAll(part);
        }
        assertThat(seen).isEqualTo(lines(whole.resolve("index.jsonl")));
        // quotas are the whole manifest's, whichever machine draws a job: the same plans, the same images
        Map<String, byte[]> a = files(whole.resolve("scenes"));
        Map<String, byte[]> b = files(shared.resolve("scenes"));
        assertSameOutputs(a, b);
    }

    @Test
    void lorasAreDrawnABadLoraIsBadInputAndAJobWhoseFilesCannotAllBeWrittenLeavesNone() throws Exception {
        Files.createDirectories(dir.resolve("loras"));
        float[] down = new float[72];
        float[] up = new float[8];
        for (int i = 0; i < down.length; i++) {
            down[i] = (float) Math.sin(i * 0.7);
        }
        java.util.Arrays.fill(up, 0.5f);
        new dev.troupe.renderer.lora.SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, down)
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {4, 2, 1, 1}, up)
                .write(dir.resolve("loras/good.safetensors"));
        Files.write(dir.resolve("loras/truncated.safetensors"), new byte[] {1, 0, 0});
        Path manifest = dir.resolve("loras.yaml");
        Files.writeString(manifest, """
                seed: 3
                defaults: {size: 64x32, count: 2}
                jobs:
                  - {request: "two people in a park", name: plain, seed: 4}
                  - {request: "two people in a park", name: striped, seed: 4, loras: ["loras/good.safetensors:1.0"]}
                  - {request: "two people in a park", name: bad-lora, seed: 4, loras: ["loras/truncated.safetensors"]}
                  - {request: "two people in a park", name: blocked, seed: 4}
                """);
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("scenes/blocked.boxes.png/in-the-way"));
        CliRun r = run(common(manifest, out).toArray(String[]::new));
        // a bad LoRA is bad input, as in troupe render (exit 2), not an internal error (exit 1)
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).doesNotContain("draws without them").contains("truncated.safetensors");
        Path scenes = out.resolve("scenes");
        assertThat(Files.readAllBytes(scenes.resolve("striped.png"))).isNotEqualTo(Files.readAllBytes(scenes.resolve("plain.png")));
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        assertThat(report.path("failures")).hasSize(2).allSatisfy(f -> assertThat(f.path("internal").asBoolean()).isFalse());
        // the job whose overlay could not be written has no image, plan or sidecar either
        try (Stream<Path> files = Files.list(scenes)) {
            assertThat(files.map(p -> p.getFileName().toString())).filteredOn(n -> n.startsWith("blocked"))
                    .containsExactly("blocked.boxes.png");
        }
        try (Stream<Path> files = Files.list(scenes)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    /**
     * A real `troupe batch` process, killed with SIGKILL in the middle of the batch, then resumed: the outputs are
     * those of a batch that was never interrupted, byte for byte (sidecars apart from their timings).
     */
    @Test
    void aBatchKilledMidRunAndResumedEndsAsIfNeverInterrupted() throws Exception {
        Path manifest = manifest(10);
        Path straight = dir.resolve("straight");
        List<String> args = common(manifest, straight);
        args.set(args.indexOf("--steps") + 1, "6");
        assertThat(run(args.toArray(String[]::new)).exit()).isEqualTo(ExitCodes.BAD_INPUT);

        Path killed = dir.resolve("killed");
        List<String> childArgs = common(manifest, killed);
        childArgs.set(childArgs.indexOf("--steps") + 1, "6");
        int done = killAfterTwoJobs(childArgs, killed);
        assertThat(done).as(Files.readString(dir.resolve("child.log"))).isBetween(2, 10); // really mid-run
        assertThat(killed.resolve("report.json")).doesNotExist();

        List<String> resume = new ArrayList<>(childArgs);
        resume.add("--resume");
        CliRun r = run(resume.toArray(String[]::new));
        assertThat(r.out()).as(r.err()).contains(done + " skipped (already complete)");
        assertSameOutputs(files(straight), files(killed));
    }

    /**
     * With --verify and the embedded model (its palette reads skin and top colour): the report's verified rendered
     * counts (read from the images) are within the floor and ceiling of the quota targets, every subject is
     * recorded in its sidecar, and a batch killed with SIGKILL and resumed ends with the same files.
     */
    @Test
    void aVerifiedBatchMeetsTheQuotasInTheImagesAndResumesAfterSigkill() throws Exception {
        Path manifest = dir.resolve("verified.yaml");
        Files.writeString(manifest, """
                seed: 3
                quotas:
                  skin: "light:1,tan:1,dark:1"
                  top: "red:1,blue:1,green:1,white:1"
                jobs:
                  - request: "3 soccer players on a grass field"
                    repeat: 8
                """);
        String embedded = EmbeddedModelTest.embedded().toString();
        Path straight = dir.resolve("straight");
        List<String> args = new ArrayList<>(List.of("batch", manifest.toString(), "-o", straight.toString(), "--model",
                embedded, "--threads", "1", "-q", "--verify"));
        CliRun r = run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("top +red +0\\.250 +6 \\(6\\.00\\) +6 +6 +6 +ok");
        JsonNode report = JSON.readTree(straight.resolve("report.json").toFile());
        assertThat(report.path("stayedWrong")).isEmpty();
        for (String dim : List.of("skin", "top")) {
            JsonNode values = report.path("dimensions").path(dim).path("values");
            int total = 0;
            for (JsonNode v : values) {
                total += v.path("verifiedRendered").asInt();
                assertThat(v.path("verifiedWithinFloorCeil").asBoolean()).as(dim + " " + v).isTrue();
                assertThat(v.path("verifiedRendered").asInt()).as(dim + " " + v).isEqualTo(v.path("target").asInt());
            }
            assertThat(total).isEqualTo(24);
        }
        assertThat(report.path("dimensions").path("gender").path("values").path("female").has("verifiedRendered"))
                .as("the palette does not read gender").isFalse();
        Path first;
        try (Stream<Path> files = Files.list(straight.resolve("scenes"))) {
            first = files.filter(p -> p.getFileName().toString().matches("[^.]+\\.json")).sorted().findFirst()
                    .orElseThrow();
        }
        JsonNode sidecar = JSON.readTree(first.toFile());
        JsonNode subjects = sidecar.path("verification").path("subjects");
        assertThat(subjects.size()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            JsonNode subject = subjects.get(i);
            assertThat(subject.path("verified").asBoolean()).isTrue();
            assertThat(subject.path("read").has("top")).isTrue();
            assertThat(subject.path("seeds").size()).isEqualTo(subject.path("tries").asInt());
            assertThat(sidecar.path("regionSeeds").get(i).asLong())
                    .isEqualTo(subject.path("seeds").get(subject.path("seeds").size() - 1).asLong());
        }

        Path killed = dir.resolve("killed");
        List<String> childArgs = new ArrayList<>(args);
        childArgs.set(childArgs.indexOf(straight.toString()), killed.toString());
        int done = killAfterTwoJobs(childArgs, killed);
        assertThat(done).as(Files.readString(dir.resolve("child.log"))).isBetween(2, 7);
        List<String> resume = new ArrayList<>(childArgs);
        resume.add("--resume");
        CliRun resumed = run(resume.toArray(String[]::new));
        assertThat(resumed.out()).as(resumed.err()).contains(done + " skipped (already complete)");
        assertSameOutputs(files(straight), files(killed));
    }

    /**
     * Runs {@code troupe ARGS} in a child JVM writing into {@code out}, kills it with SIGKILL (no shutdown hooks, no
     * finally blocks) once two jobs are complete, and returns how many were complete then (its log: child.log).
     */
    private int killAfterTwoJobs(List<String> args, Path out) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.troupe.cli.Main"));
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        Path scenes = out.resolve("scenes");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sidecars(scenes) < 2 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        return sidecars(scenes);
    }

    private static int sidecars(Path scenes) throws Exception {
        if (!Files.isDirectory(scenes)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(scenes)) {
            return (int) files.filter(p -> p.getFileName().toString().matches("[^.]+\\.json")).count();
        }
    }

    /** Every file under {@code root}, by relative path. */
    private static Map<String, byte[]> files(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            Map<String, byte[]> files = new TreeMap<>();
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
            return files;
        }
    }

    private static void assertSameOutputs(Map<String, byte[]> expected, Map<String, byte[]> actual) throws Exception {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        Set<String> differ = expected.keySet().stream().filter(k -> !same(k, expected.get(k), actual.get(k)))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        assertThat(differ).as("files that differ").isEmpty();
    }

    private static boolean same(String name, byte[] a, byte[] b) {
        if (name.matches(".*scenes/[^.]+\\.json") || name.matches("[^/.]+\\.json") && !name.startsWith("report")) {
            try {
                ObjectNode x = (ObjectNode) JSON.readTree(a);
                ObjectNode y = (ObjectNode) JSON.readTree(b);
                x.remove("timings");
                y.remove("timings");
                return x.equals(y);
            } catch (Exception e) {
                return false;
            }
        }
        return java.util.Arrays.equals(a, b);
    }
}
