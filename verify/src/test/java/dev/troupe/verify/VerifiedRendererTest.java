package dev.troupe.verify;

import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.png.PngText;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.Box;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.Verification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The verify loop with the embedded model and a verifier that is told which drawings are wrong. */
class VerifiedRendererTest {
    private static StableDiffusionModel model;
    private static ScenePlan plan;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = StableDiffusionModel.load(EmbeddedModel.folder(), new SessionFactory(ExecutionProvider.CPU, 1));
        plan = PlanBuilder.standard().build("3 soccer players in red, blue and green jerseys on a grass field", PlanOptions.seeded(5)).plan();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * Reads every planned attribute as planned, except where {@code wrong(region, seed)} says the drawing is wrong:
     * then its top is read as "nothing". Remembers every seed it was shown per region.
     */
    static final class StubVerifier implements SubjectVerifier {
        final BiPredicate<String, Long> wrong;
        final Map<String, List<Long>> shown = new ConcurrentHashMap<>();

        StubVerifier(BiPredicate<String, Long> wrong) {
            this.wrong = wrong;
        }

        @Override
        public String name() {
            return "stub";
        }

        @Override
        public Map<String, String> read(BufferedImage image, Region region) {
            shown.computeIfAbsent(region.id(), k -> new ArrayList<>()).add(region.seed());
            Map<String, String> read = new LinkedHashMap<>();
            read.put("top", wrong.test(region.id(), region.seed()) ? "nothing" : region.attributes().get("top"));
            return read;
        }
    }

    @Test
    void onlyTheSubjectReadWrongGetsANewSeedAndThePlanAndPngSaySo() throws Exception {
        long s2Planned = plan.regions().get(1).seed();
        StubVerifier stub = new StubVerifier((id, seed) -> id.equals("s2") && seed == s2Planned);
        RegionalRenderer.Settings settings = EmbeddedModel.settings(model, RegionalRenderer.Mode.JOINT);
        VerifiedRenderer.Outcome outcome = new VerifiedRenderer(new RegionalRenderer(model), stub, 3)
                .render(plan, settings, (p, s, n) -> { });

        assertThat(outcome.rounds()).hasSize(2);
        assertThat(outcome.rounds().get(0).failing()).containsExactly("s2");
        assertThat(outcome.rounds().get(1).redrawn()).containsExactly("s2");
        assertThat(outcome.kept()).isEqualTo(2);
        ScenePlan verified = outcome.plan();
        for (int i = 0; i < 3; i++) {
            Region before = plan.regions().get(i), after = verified.regions().get(i);
            assertThat(after.withSeed(before.seed()).withVerification(null)).isEqualTo(before);
        }
        assertThat(verified.regions().get(0).seed()).isEqualTo(plan.regions().get(0).seed());
        assertThat(verified.regions().get(2).seed()).isEqualTo(plan.regions().get(2).seed());
        long s2New = verified.regions().get(1).seed();
        assertThat(s2New).isNotEqualTo(s2Planned).isEqualTo(VerifiedRenderer.redrawSeed(s2Planned, 1));
        assertThat(stub.shown.get("s1")).containsExactly(plan.regions().get(0).seed(), plan.regions().get(0).seed());
        assertThat(stub.shown.get("s2")).containsExactly(s2Planned, s2New);

        Verification s2 = verified.regions().get(1).verification();
        assertThat(s2).isEqualTo(new Verification("stub", true, Map.of("top", plan.regions().get(1).attributes()
                .get("top")), 2, List.of(s2Planned, s2New)));
        Verification s1 = verified.regions().get(0).verification();
        assertThat(s1.tries()).isEqualTo(1);
        assertThat(s1.seeds()).containsExactly(plan.regions().get(0).seed());
        assertThat(s1.verified()).isTrue();

        // the PNG carries the plan as verified, and the plan file reads back the same
        Path png = dir.resolve("scene.png");
        PngWriter.write(png, outcome.result().image(), PlanJson.write(verified), "");
        ScenePlan inPng = PlanJson.read(PngText.read(png).get(PngWriter.PLAN_KEY));
        assertThat(inPng).isEqualTo(verified);
        assertThat(inPng.regions().get(1).verification().tries()).isEqualTo(2);

        // the plan it carries re-renders, without verifying, to the same pixels
        RgbImage again = new RegionalRenderer(model).render(inPng, settings, (p, s, n) -> { }).image();
        assertThat(again.rgb()).isEqualTo(outcome.result().image().rgb());
        // and the kept drawing differs from the first one (a new seed was drawn)
        RgbImage first = new RegionalRenderer(model).render(plan, settings, (p, s, n) -> { }).image();
        assertThat(first.rgb()).isNotEqualTo(again.rgb());
    }

    @Test
    void aSubjectThatStaysWrongKeepsTheEarliestOfEqualRoundsAndSaysSo() {
        Set<String> alwaysWrong = Set.of("s3");
        StubVerifier stub = new StubVerifier((id, seed) -> alwaysWrong.contains(id));
        VerifiedRenderer.Outcome outcome = new VerifiedRenderer(new RegionalRenderer(model), stub, 2)
                .render(plan, EmbeddedModel.settings(model, RegionalRenderer.Mode.COMPOSITE), (p, s, n) -> { });

        assertThat(outcome.rounds()).hasSize(3); // the first drawing and two redraws
        assertThat(outcome.kept()).isEqualTo(1);
        Region s3 = outcome.plan().regions().get(2);
        long planned = plan.regions().get(2).seed();
        assertThat(s3.seed()).isEqualTo(planned);
        assertThat(s3.verification().verified()).isFalse();
        assertThat(s3.verification().read()).containsEntry("top", "nothing");
        assertThat(s3.verification().seeds()).containsExactly(planned, VerifiedRenderer.redrawSeed(planned, 1),
                VerifiedRenderer.redrawSeed(planned, 2));
        assertThat(outcome.wrong()).extracting(Region::id).containsExactly("s3");
        assertThat(outcome.unetWork()).isEqualTo(3 * outcome.rounds().get(0).unetWork());
        // composite mode draws each subject alone: the others' boxes change only where the redrawn subject's blend
        // reaches into them (measured 0.08 of 255)
        assertThat(outcome.rounds().get(1).othersChange()).isGreaterThanOrEqualTo(0).isLessThan(1.0);
    }

    @Test
    void othersChangeIsTheMeanAbsoluteDifferenceInTheBoxesNotRedrawn() {
        byte[] a = new byte[4 * 2 * 3], b = a.clone();
        // pixel (0,0) in s1's box differs by 30 in red; pixel (3,1) in s2's box (redrawn) by 200
        b[0] = 30;
        b[(1 * 4 + 3) * 3] = (byte) 200;
        ScenePlan twoBoxes = plan.withRegions(List.of(plan.regions().get(0).withSeed(1), plan.regions().get(1)))
                .withRegions(List.of(new Region("s1", new Box(0, 0, 2, 2), "a", "", 1, 1, Map.of(), List.of()),
                        new Region("s2", new Box(2, 0, 2, 2), "b", "", 2, 1, Map.of(), List.of())));
        // s1's box: 4 pixels x 3 channels, one value off by 30: 30 / 12 = 2.5
        assertThat(VerifiedRenderer.othersChange(new RgbImage(4, 2, a), new RgbImage(4, 2, b), twoBoxes,
                List.of("s2"))).isEqualTo(2.5);
    }
}
