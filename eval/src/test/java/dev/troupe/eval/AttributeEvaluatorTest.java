package dev.troupe.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The evaluator must read the generator's own drawings (ground truth) with at least 99% accuracy. */
class AttributeEvaluatorTest {
    private static Palette palette;
    private static BufferedImage sheet;
    private static ScenePlan sheetPlan;

    @BeforeAll
    static void load() throws Exception {
        Path root = RepoFiles.root();
        palette = Palette.load(root.resolve("models/embedded"));
        sheet = ImageIO.read(root.resolve("models/testdata/generator-sheet.png").toFile());
        sheetPlan = new ObjectMapper().readValue(root.resolve("models/testdata/generator-sheet.plan.json").toFile(),
                ScenePlan.class);
    }

    @Test
    void readsGeneratorDrawingsAtModelResolution() {
        EvaluationReport report = new AttributeEvaluator(palette).evaluate(sheet, sheetPlan);
        assertThat(report.subjects()).hasSize(300);
        assertAccurate(report.tallies());
    }

    @Test
    void readsGeneratorDrawingsUpscaledLikeTheDecoder() {
        // The embedded model's decoder is a x4 bilinear upsampler: the evaluator must not care about scale.
        BufferedImage big = new BufferedImage(sheet.getWidth() * 4, sheet.getHeight() * 4, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(sheet, 0, 0, big.getWidth(), big.getHeight(), null);
        g.dispose();
        List<Region> scaled = sheetPlan.regions().stream().map(r -> new Region(r.id(),
                new Box(r.box().x() * 4, r.box().y() * 4, r.box().w() * 4, r.box().h() * 4), r.prompt(),
                r.negativePrompt(), r.seed(), r.weight(), r.attributes(), r.loras())).toList();
        ScenePlan plan = new ScenePlan(1, null, big.getWidth(), big.getHeight(), "", "", 0, "embedded", "embedded",
                "grid", scaled);
        assertAccurate(new AttributeEvaluator(palette).evaluate(big, plan).tallies());
    }

    @Test
    void aWrongPlanIsReportedAsWrong() {
        // The same drawings against shuffled plans: a reader that reports the plan instead of the pixels fails.
        List<Region> regions = sheetPlan.regions();
        List<Region> shifted = new java.util.ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            shifted.add(new Region(r.id(), r.box(), "", "", 0, 1, regions.get((i + 1) % regions.size()).attributes(),
                    List.of()));
        }
        ScenePlan wrong = new ScenePlan(1, null, sheetPlan.width(), sheetPlan.height(), "", "", 0, "embedded",
                "embedded", "grid", shifted);
        Map<String, Tally> t = new AttributeEvaluator(palette).evaluate(sheet, wrong).tallies();
        assertThat(t.get(AttributeEvaluator.TOP).rate()).isLessThan(0.3);
        assertThat(t.get(AttributeEvaluator.SKIN).rate()).isLessThan(0.4);
    }

    @Test
    void aModelWithoutPaletteGetsAClearError() {
        assertThatThrownBy(() -> Palette.load(Path.of("/nonexistent-model")))
                .hasMessageContaining("evaluation.json");
    }

    private static void assertAccurate(Map<String, Tally> t) {
        assertThat(t.get(AttributeEvaluator.SKIN).rate()).as("skin %s", t).isGreaterThanOrEqualTo(0.99);
        assertThat(t.get(AttributeEvaluator.SKIN_WITHIN_ONE).rate()).as("skin±1 %s", t).isEqualTo(1.0);
        assertThat(t.get(AttributeEvaluator.TOP).rate()).as("top %s", t).isGreaterThanOrEqualTo(0.99);
        assertThat(t.get(AttributeEvaluator.HAIR).rate()).as("hair %s", t).isGreaterThanOrEqualTo(0.99);
        assertThat(t.get(AttributeEvaluator.SCENE).rate()).as("scene %s", t).isGreaterThanOrEqualTo(0.99);
    }
}
