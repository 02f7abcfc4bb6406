package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@code troupe plan} in-process, as the launcher would, and checks output and exit codes. */
class PlanCommandTest {

    private static final String TEAM = "a multiracial female basketball team of 5 on an indoor court";

    static CliRun troupe(String... args) {
        return CliRun.of(args);
    }

    static CliRun troupe(Map<String, String> env, String... args) {
        return CliRun.of(env, args);
    }

    @Test
    void theDoneWhenCommandPrintsAValidPlanAndTheSameOneAgain() {
        CliRun first = troupe("plan", TEAM, "--seed", "7");
        assertThat(first.exit()).isZero();
        assertThat(first.err()).isEmpty();
        ScenePlan plan = PlanJson.read(first.out());
        assertThat(plan.regions()).hasSize(5);
        Map<String, Integer> skins = new HashMap<>();
        for (Region r : plan.regions()) {
            assertThat(r.attributes()).containsKey("skin");
            skins.merge(r.attributes().get("skin"), 1, Integer::sum);
        }
        assertThat(skins.values()).allSatisfy(c -> assertThat(c).isBetween(0, 1)); // floor/ceil of 5/6
        assertThat(troupe("plan", TEAM, "--seed", "7").out()).isEqualTo(first.out());
        assertThat(troupe("plan", TEAM, "--seed", "8").out()).isNotEqualTo(first.out());
    }

    @Test
    void explainPrintsSubjectsAndTargetsAgainstRealized() {
        CliRun run = troupe("plan", TEAM, "--seed", "7", "--explain");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("5 subjects on a", "dimension", "target", "realized", "skin", "0.83", "s5");
    }

    @Test
    void explainShowsHowACompoundRequestWasRead() {
        CliRun run = troupe("plan", "two doctors and three nurses in scrubs in a hospital, all of them diverse, cheering",
                "--seed", "3", "--profile", "sd15", "--explain");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("group  2 x doctor", "group  3 x nurse; details: in scrubs",
                "all    skin mix ('diverse')", "all    details: cheering", "scene  'in a hospital'");
        // the subjects table has a group column, and the targets say whose they are
        assertThat(run.out()).containsPattern("s\\d +\\S+ \\S+ +doctor").contains("of ", "all  ");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aRequestWithoutANumberPlansAFewAndSaysSoOnce() {
        CliRun run = troupe("plan", "basketball players on a court", "--seed", "1");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(PlanJson.read(run.out()).regions()).hasSize(4);
        assertThat(run.err().strip().lines()).singleElement().asString()
                .startsWith("troupe: the request gives no number, so the plan has 4");
    }

    @Test
    void theEmbeddedProfileSaysOnceWhichWordsItCannotDraw() {
        CliRun run = troupe("plan", "ten kids with balloons, some of them wearing glasses", "--seed", "1");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err().strip().lines()).singleElement().asString()
                .startsWith("troupe: the embedded model cannot draw 'with balloons'").contains("--profile sd15");
        CliRun sd15 = troupe("plan", "ten kids with balloons, some of them wearing glasses", "--seed", "1", "--profile", "sd15");
        assertThat(sd15.err()).isEmpty();
        assertThat(PlanJson.read(sd15.out()).regions()).allSatisfy(r -> assertThat(r.prompt()).contains("with balloons"));
    }

    @Test
    void outputFileGetsTheSamePlan(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plans/plan.json");
        CliRun run = troupe("plan", TEAM, "--seed", "7", "-o", file.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("wrote");
        assertThat(Files.readString(file)).isEqualTo(troupe("plan", TEAM, "--seed", "7").out());
    }

    @Test
    void optionsReachThePlan() {
        CliRun run = troupe("plan", "six nurses in an office", "--seed", "1", "--mix", "skin=light:1,dark:1",
                "--mix", "gender=female:2,male:1", "--layout", "grid", "--size", "512x512", "--profile", "sd15",
                "--set", "1:glasses=yes");
        assertThat(run.exit()).as(run.err()).isZero();
        ScenePlan plan = PlanJson.read(run.out());
        assertThat(plan.width()).isEqualTo(512);
        assertThat(plan.layout()).isEqualTo("grid");
        assertThat(plan.profile()).isEqualTo("sd15");
        assertThat(plan.regions()).filteredOn(r -> r.attributes().get("gender").equals("female")).hasSize(4);
        assertThat(plan.regions()).filteredOn(r -> r.attributes().get("skin").equals("dark")).hasSize(3);
        assertThat(plan.regions().get(0).attributes()).containsEntry("glasses", "yes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a team of -3", "150% women", "a team of 10000", "", "   ", "purple elephants",
            "a team of zero players"})
    void badRequestsExitWithTwoAndOneLine(String request) {
        CliRun run = troupe("plan", request, "--seed", "1");
        assertThat(run.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("troupe: ").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void aTenKilobyteRequestIsRefused() {
        CliRun run = troupe("plan", "x".repeat(10 * 1024));
        assertThat(run.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("10240 characters long").hasLineCount(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--size=500x300", "--mix=eyes=blue:1", "--mix=skin=teal:1", "--layout=circle",
            "--profile=sdxl", "--count=0", "--set=9:skin=tan", "--set=oops", "--max-overlap=0.9", "--seed=abc",
            "--bogus"})
    void badOptionsExitWithTwoAndOneLine(String option) {
        CliRun run = troupe("plan", TEAM, option);
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).startsWith("troupe: ").doesNotContain("\tat ");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void unwritableOutputIsBadInputAndLeavesNoFile(@TempDir Path dir) throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a folder");
        CliRun run = troupe("plan", TEAM, "-o", blocker.resolve("plan.json").toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("cannot write");
        assertThat(Files.readString(blocker)).isEqualTo("not a folder");
    }

    @Test
    void helpAndVersionFollowPicocliConventions() {
        CliRun help = troupe("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: troupe", "plan");
        CliRun planHelp = troupe("plan", "--help");
        assertThat(planHelp.exit()).isZero();
        assertThat(planHelp.out()).contains("--seed", "--mix", "--explain", "--size", "--profile");
        CliRun version = troupe("--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("troupe ").doesNotContain("unknown");
        assertThat(troupe("frobnicate").exit()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}
