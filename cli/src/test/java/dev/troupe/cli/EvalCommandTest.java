package dev.troupe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code troupe eval}: the report a user reads, and with -o the images and one line per planned attribute. */
class EvalCommandTest {

    @TempDir
    Path dir;

    @Test
    void figuresWithAnOutputDirectoryKeepEachImageAndItsReadings() throws Exception {
        Path model = EmbeddedModelTest.embedded();
        CliRun run = CliRun.of("eval", "--figures", "3", "--model", model.toString(), "-q", "-o", dir.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("3 figures").contains("top ").contains("skin (within one level)");
        assertThat(dir.resolve("figure-001.png")).isRegularFile();
        assertThat(dir.resolve("figure-003.png")).isRegularFile();
        List<String> lines = Files.readAllLines(dir.resolve("readings.tsv"));
        assertThat(lines.get(0)).isEqualTo("image\tregion\tattribute\tplanned\tread");
        // three figures, each with its planned skin, hair, top and scene
        assertThat(lines.subList(1, lines.size())).hasSize(12)
                .allSatisfy(line -> assertThat(line.split("\t", -1)).hasSize(5))
                .anySatisfy(line -> assertThat(line).startsWith("figure-002.png\tf2\ttop\t"));
        // a misread line names the planned value and the one read, when there is one
        long misread = lines.stream().skip(1).map(l -> l.split("\t", -1)).filter(f -> !f[3].equals(f[4])).count();
        assertThat(run.out().contains("misread ")).isEqualTo(misread > 0);
    }

    /** A compound request drawn by the embedded model: each part of the group is read back with its own colours. */
    @Test
    void eachPartOfACompoundRequestIsDrawnWithItsOwnAttributes() throws Exception {
        Path png = dir.resolve("teams.png");
        CliRun drawn = CliRun.of("run", "3 women in red jerseys and 2 men in blue jerseys on an indoor court",
                "--seed", "7", "-o", png.toString(), "-q", "--model", EmbeddedModelTest.embedded().toString());
        assertThat(drawn.exit()).as(drawn.err()).isZero();
        CliRun eval = CliRun.of("eval", png.toString(), "--model", EmbeddedModelTest.embedded().toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("by group (the parts of the request):");
        // every subject of each part was planned its part's colour: read back at least 4 of the 5 (the model reads
        // 98% of top colours right on figures)
        int woman = correct(eval.out(), "woman");
        int man = correct(eval.out(), "man");
        assertThat(woman + man).as(eval.out()).isGreaterThanOrEqualTo(4);
        assertThat(eval.out()).containsPattern("woman +top +\\d/3").containsPattern("man +top +\\d/2");
    }

    /** The subjects of {@code group} whose top was read as planned, from "  woman   top   3/3 (100.0%)". */
    private static int correct(String report, String group) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  " + group + " +top +(\\d+)/").matcher(report);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    @Test
    void nothingToEvaluateIsAUserError() {
        CliRun run = CliRun.of("eval");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--figures N");
    }
}
