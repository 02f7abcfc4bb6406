package dev.troupe.cli;

import dev.troupe.composer.Images;
import dev.troupe.eval.AttributeEvaluator;
import dev.troupe.eval.EvaluationReport;
import dev.troupe.eval.Palette;
import dev.troupe.eval.Tally;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped model draws what the planner asks for: 8 figures with different planned attributes, rendered by the
 * Java renderer exactly as any SD export, read back by the model's evaluator.
 */
public class EmbeddedModelTest {

    public static Path embedded() {
        String root = System.getProperty("troupe.root");
        for (Path p = root != null ? Path.of(root) : Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/embedded/unet"))) {
                return p.resolve("models/embedded");
            }
        }
        throw new IllegalStateException("models/embedded is missing: the embedded model ships with the repository");
    }

    @Test
    void eightPlannedFiguresAreDrawnWithTheirTopColourAndSkinTone() {
        String[][] wanted = {
                {"pale", "red"}, {"light", "orange"}, {"medium", "yellow"}, {"tan", "green"},
                {"brown", "blue"}, {"dark", "purple"}, {"light", "white"}, {"brown", "black"}};
        Palette palette = Palette.load(embedded());
        AttributeEvaluator evaluator = new AttributeEvaluator(palette);
        PlanBuilder planner = PlanBuilder.standard();
        List<EvaluationReport> reports = new ArrayList<>();
        try (StableDiffusionModel model = StableDiffusionModel.load(embedded(), new SessionFactory(ExecutionProvider.CPU, 0))) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            int size = palette.tileHeight() * model.vaeDecoder().pixelFactor();
            for (int i = 0; i < wanted.length; i++) {
                PlanOptions options = PlanOptions.seeded(11 + i).withCount(1)
                        .withOverride(0, "skin", wanted[i][0]).withOverride(0, "top", wanted[i][1]);
                Region subject = planner.build("one player on an indoor court", options).plan().regions().get(0);
                assertThat(subject.prompt()).contains(wanted[i][0] + " skin").contains(wanted[i][1]);
                var image = pipeline.render(new RenderRequest(subject.prompt(), subject.negativePrompt(), size, size,
                        15, 4.0, Sampler.DDIM, 1000 + i)).image();
                ScenePlan single = new ScenePlan(1, null, size, size, "", "", i, "embedded", "embedded", "single",
                        List.of(new Region("f" + i, new Box(0, 0, size, size), subject.prompt(), "", i, 1.0,
                                Map.of("skin", wanted[i][0], "top", wanted[i][1]), List.of())));
                reports.add(evaluator.evaluate(Images.toBuffered(image), single));
            }
        }
        int both = 0;
        List<String> levels = palette.skinLevels();
        for (EvaluationReport r : reports) {
            EvaluationReport.Subject s = r.subjects().get(0);
            boolean top = s.planned().get("top").equals(s.read().get("top"));
            boolean skin = Math.abs(levels.indexOf(s.planned().get("skin")) - levels.indexOf(s.read().get("skin"))) <= 1;
            both += top && skin ? 1 : 0;
        }
        Map<String, Tally> tallies = EvaluationReport.sum(reports);
        assertThat(both).as("figures with planned top colour and skin within one level: %s", tallies)
                .isGreaterThanOrEqualTo(7);
    }
}
