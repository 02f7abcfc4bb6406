package dev.troupe.cli;

import dev.troupe.composer.png.PngText;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --verify} on run and render, with the embedded model and its palette. */
class VerifyCommandTest {

    @TempDir
    Path dir;

    @Test
    void runVerifyRecordsEverySubjectAndTheVerifiedPlanRendersToTheSamePixelsWithoutIt() throws Exception {
        String model = EmbeddedModelTest.embedded().toString();
        Path png = dir.resolve("team.png");
        CliRun run = CliRun.of("run", "a multiracial female basketball team of 5 in red and blue jerseys on an indoor "
                + "court", "--seed", "7", "-o", png.toString(), "-q", "--model", model, "--verify");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("verified 5/5 subjects with palette");
        ScenePlan plan = PlanJson.read(dir.resolve("team.plan.json"));
        for (Region r : plan.regions()) {
            assertThat(r.verification().verifier()).isEqualTo("palette");
            assertThat(r.verification().read()).containsOnlyKeys("skin", "top");
            assertThat(r.verification().seeds()).last().isEqualTo(r.seed());
        }
        assertThat(PlanJson.read(PngText.read(png).get(PngWriter.PLAN_KEY))).isEqualTo(plan);
        assertThat(PngText.read(png).get(PngWriter.PARAMETERS_KEY)).contains("Troupe verify: palette, 5/5 verified");

        Path again = dir.resolve("again.png");
        CliRun render = CliRun.of("render", dir.resolve("team.plan.json").toString(), "-o", again.toString(), "-q",
                "--model", model);
        assertThat(render.exit()).as(render.err()).isZero();
        assertThat(pixels(ImageIO.read(again.toFile()))).isEqualTo(pixels(ImageIO.read(png.toFile())));
        // a render that does not verify records no verification
        assertThat(PlanJson.read(dir.resolve("again.plan.json"))).isEqualTo(plan.withoutVerification());
        assertThat(PngText.read(again).get(PngWriter.PARAMETERS_KEY)).doesNotContain("verify");
    }

    @Test
    void verifyingAModelWithoutAPaletteSaysWhatToDo() throws Exception {
        Path plan = dir.resolve("p.plan.json");
        CliRun planned = CliRun.of("plan", "two nurses", "--seed", "1", "-o", plan.toString());
        assertThat(planned.exit()).as(planned.err()).isZero();
        CliRun bad = CliRun.of("render", plan.toString(), "-o", dir.resolve("x.png").toString(), "-q", "--verify",
                "--verify-tries", "-1", "--model", EmbeddedModelTest.embedded().toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--verify-tries must be between 0 and 20, not -1");

        CliRun figures = CliRun.of("eval", "--figures", "2", "--verify", "--model",
                EmbeddedModelTest.embedded().toString());
        assertThat(figures.exit()).isEqualTo(2);
        assertThat(figures.err()).contains("--verify measures what verifying does to planned scenes: add --scenes N");

        Path fixture = dev.troupe.renderer.fixtures.SdFixture.write(dir.resolve("sd"),
                dev.troupe.renderer.fixtures.SdFixture.Variant.standard());
        CliRun noPalette = CliRun.of("render", plan.toString(), "-o", dir.resolve("x.png").toString(), "-q",
                "--verify", "--model", fixture.toString());
        assertThat(noPalette.exit()).isEqualTo(2);
        assertThat(noPalette.err()).contains("--verify: no evaluation.json in", "give a CLIP ONNX export with "
                + "--verifier DIR").doesNotContain("Exception");
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
