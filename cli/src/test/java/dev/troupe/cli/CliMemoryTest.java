package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scene that cannot fit in memory is refused before anything is loaded or drawn, with one line that names the
 * estimate, the memory available and what would fit; the plan command warns of it.
 */
class CliMemoryTest {
    private static final String TEAM = "a multiracial female basketball team of 5 on an indoor court";

    @TempDir
    Path dir;

    /** The installation whose models/embedded the plan's "embedded" names, as the launcher sets it. */
    @BeforeAll
    static void home() {
        System.setProperty("troupe.home", EmbeddedModelTest.embedded().getParent().getParent().toString());
    }

    @AfterAll
    static void noHome() {
        System.clearProperty("troupe.home");
    }

    private CliRun plan(String size, Path file) {
        return CliRun.of(CliRun.HERMETIC, "plan", TEAM, "--seed", "7", "--size", size, "-o", file.toString());
    }

    @Test
    void aRenderThatCannotFitIsRefusedWithTheEstimateAndTheCanvasThatFitsAndThatCanvasDraws() {
        Path big = dir.resolve("big.json");
        assertThat(plan("2048x2048", big).exit()).isEqualTo(ExitCodes.OK);
        Path out = dir.resolve("big.png");
        // five subjects of 315x630 pixels: one 160x236-latent crop alone is about 1.5 GB
        CliRun refused = CliRun.of("render", big.toString(), "-o", out.toString(), "-q", "--memory-limit", "1.5GB");
        assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(refused.err().strip()).startsWith("troupe: drawing this scene needs about ")
                .contains("more than the 1.5 GB of memory available").doesNotContain("\n").doesNotContain("Exception");
        assertThat(out).doesNotExist();

        Matcher size = Pattern.compile("--size (\\d+x\\d+)").matcher(refused.err());
        assertThat(size.find()).as(refused.err()).isTrue();
        Path fits = dir.resolve("fits.json");
        assertThat(plan(size.group(1), fits).exit()).isEqualTo(ExitCodes.OK);
        CliRun drawn = CliRun.of("render", fits.toString(), "-o", dir.resolve("fits.png").toString(), "-q",
                "--memory-limit", "1.5GB", "--steps", "1");
        assertThat(drawn.exit()).as(drawn.err()).isEqualTo(ExitCodes.OK);
        assertThat(dir.resolve("fits.png")).exists();
    }

    @Test
    void planWarnsOfAPlanThatNoMachineCouldDrawButWritesIt() {
        // 16384 pixels a side: each subject's crop alone needs terabytes of attention scores
        Path file = dir.resolve("huge.json");
        CliRun r = plan("16384x16384", file);
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.err()).contains("troupe: warning: drawing this scene needs about").contains("would fit");
        assertThat(file).exists();
    }

    @Test
    void aMemoryLimitMustBeASize() {
        Path file = dir.resolve("p.json");
        assertThat(plan("256x128", file).exit()).isEqualTo(ExitCodes.OK);
        CliRun r = CliRun.of("render", file.toString(), "-o", dir.resolve("x.png").toString(), "--memory-limit", "lots");
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("--memory-limit 'lots': expected a size such as 8GB, 512MB or 16GiB");
    }
}
