package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.renderer.fixtures.SdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Messages say what is wrong in the user's words: valid suggestions, what a path really is, no Java names. */
class CliMessagesTest {

    @TempDir
    Path dir;

    private static void assertOneLine(CliRun r, String... words) {
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("troupe: ").doesNotContain("internal error").doesNotContain("Exception")
                .doesNotContain("java.").doesNotContain("[Source");
        assertThat(r.err().strip().lines()).hasSize(1);
        for (String w : words) {
            assertThat(r.err()).contains(w);
        }
    }

    @Test
    void aSuggestedSizeIsAValidOne() {
        CliRun r = CliRun.of("plan", "three friends in a park", "--size", "100000x100000");
        assertOneLine(r, "between 32 and 16384, e.g. 16384x16384");
        assertThat(r.err()).doesNotContain("e.g. 100000x100000");
        assertOneLine(CliRun.of("plan", "three friends", "--size", "2147483647x33"), "e.g. 16384x64");
    }

    @Test
    void aDeviceIsCalledWhatItIsAndNeverReadUntilMemoryRunsOut() throws Exception {
        Path zero = Path.of("/dev/zero");
        assertOneLine(CliRun.of("render", zero.toString(), "-o", dir.resolve("x.png").toString()),
                "plan file /dev/zero is not a regular file");
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "width": 64, "height": 32, "background": "a park", "seed": 1, "model": "embedded",
                 "regions": [{"id": "s1", "box": {"x": 0, "y": 0, "w": 32, "h": 32}, "prompt": "a person", "seed": 2,
                   "loras": [{"file": "/dev/zero", "weight": 1}]}]}
                """);
        assertOneLine(CliRun.of("render", plan.toString(), "-o", dir.resolve("x.png").toString()),
                "LoRA file /dev/zero, which is not a regular file");
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        assertOneLine(CliRun.of("run", "three friends in a park", "-o", dir.resolve("x.png").toString(), "--lora",
                "/dev/zero", "--model", model.toString()), "LoRA file /dev/zero is not a regular file");
        assertOneLine(CliRun.of("batch", "/dev/zero", "--dry-run"), "manifest /dev/zero is not a regular file");
        Path manifest = dir.resolve("jobs.yaml");
        Files.writeString(manifest, "jobs:\n  - {request: \"two friends\", loras: [/dev/zero]}\n");
        CliRun dry = CliRun.of("batch", manifest.toString(), "--dry-run");
        assertThat(dry.out()).contains("LoRA file /dev/zero is not a regular file").doesNotContain("not found");
        Map<String, String> env = new HashMap<>(CliRun.HERMETIC);
        env.put("TROUPE_CONFIG", "/dev/zero");
        assertOneLine(CliRun.of(env, "plan", "three friends"), "config file /dev/zero is not a regular file");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("plan.json", "jobs.yaml", "sd");
        }
    }

    @Test
    void anImageWithoutANameIsRefusedRatherThanWrittenHidden() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "width": 32, "height": 24, "background": "a park", "seed": 1, "regions": []}
                """);
        for (String name : new String[] {".png", ".hidden.png"}) {
            assertOneLine(CliRun.of("render", plan.toString(), "-o", dir.resolve(name).toString(), "--model",
                    model.toString()), "would write hidden files", "-o scene.png");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void jsonProblemsAreToldWithoutJavaTypes() throws Exception {
        Path manifest = dir.resolve("jobs.jsonl");
        Files.writeString(manifest, "{\"request\": \"two friends\", \"seed\": }\n");
        assertOneLine(CliRun.of("batch", manifest.toString(), "--dry-run"), "line 1: not valid JSON");
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, "{\"version\": 1, \"width\": 32, \"height\": 24, \"background\": \"a park\", "
                + "\"seed\": 1, \"regions\": [], \"model\": \"model\"}");
        SdFixture.write(model, SdFixture.Variant.standard());
        Files.writeString(model.resolve("scheduler/scheduler_config.json"), "{\"num_train_timesteps\": \"many\"}");
        assertOneLine(CliRun.of("render", plan.toString(), "-o", dir.resolve("x.png").toString()),
                "scheduler_config.json", "expected a whole number, got \"many\"");
    }
}
