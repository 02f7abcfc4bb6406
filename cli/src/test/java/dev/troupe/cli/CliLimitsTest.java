package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.renderer.fixtures.SdFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Numbers that would break a render or swamp the machine are refused where they enter: one line, exit 2. */
class CliLimitsTest {

    @TempDir
    Path dir;
    private Path plan;
    private Path model;

    @BeforeEach
    void fixture() throws Exception {
        model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard()); // DDIM-like: leading, steps_offset 1
        plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "request": "one person", "width": 32, "height": 24, "background": "a park",
                 "negativePrompt": "", "seed": 42, "model": "sd", "profile": "sd15", "layout": "manual", "regions": []}
                """);
    }

    private CliRun render(String... more) {
        List<String> args = new ArrayList<>(List.of("render", plan.toString(), "-o", dir.resolve("out.png").toString(), "-q"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertRefused(CliRun r, String... words) {
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("troupe: ").doesNotContain("internal error").doesNotContain("\tat ");
        // one error line (a note about the fixture's PNDM scheduler config may come before it)
        assertThat(r.err().strip().lines().filter(l -> !l.startsWith("troupe: note: "))).hasSize(1);
        for (String w : words) {
            assertThat(r.err()).contains(w);
        }
    }

    @Test
    void stepsBeyondWhatTheSamplerSupportsAreRefusedWithTheRange() throws Exception {
        // leading spacing with steps_offset 1: 1000 steps would ask for training timestep 1000 of 0..999
        assertRefused(render("--steps", "1000"), "--steps must be between 1 and 999 for the ddim sampler", "not 1000");
        assertRefused(render("--steps", "51", "--sampler", "lcm"), "between 1 and 50 for the lcm sampler");
        assertRefused(render("--steps", "0"), "between 1 and");
        assertRefused(render("--steps", "999", "--sampler", "dpmpp_2m"), "between 1 and 998 for the dpmpp_2m sampler");
        assertRefused(render("--cfg", "1e308"), "--cfg must be a number from 0 to 50");
        assertRefused(CliRun.of("bench", "--model", model.toString(), "--steps", "1000", "--size", "16x16"),
                "--steps must be between 1 and 999");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("out"));
        }
        CliRun most = render("--steps", "999", "--cfg", "1");
        assertThat(most.exit()).as(most.err()).isZero();
    }

    @Test
    void threadsBeyondTheMachinesCoresAreRefused() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertRefused(render("--threads", "100000"), "--threads must be between 0 (one per core) and " + cores, "not 100000");
        assertRefused(render("--threads", "-1"), "--threads");
        assertRefused(render("--provider", "tpu"), "--provider", "cpu or cuda");
        CliRun all = render("--threads", Integer.toString(cores), "--steps", "2");
        assertThat(all.exit()).as(all.err()).isZero();
    }
}
