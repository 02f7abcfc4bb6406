package dev.troupe.renderer.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdxlFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Which steps and guidance a model folder is drawn with when the user gives none. */
class ModelDefaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static void edit(Path file, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        change.accept(json);
        JSON.writeValue(file.toFile(), json);
    }

    @Test
    void aTurboStyleSchedulerConfigGivesFourStepsWithoutGuidance() throws Exception {
        ModelDefaults turbo = ModelDefaults.of(ModelDirectory.open(SdxlFixture.write(dir.resolve("turbo"),
                SdxlFixture.Variant.turboStyle())));
        assertThat(turbo.steps()).isEqualTo(4);
        assertThat(turbo.guidance()).isEqualTo(0.0);
        assertThat(turbo.source()).contains("trailing");
    }

    @Test
    void anLcmSchedulerGivesFourStepsAtGuidanceOne() throws Exception {
        Path model = SdFixture.write(dir.resolve("lcm"), SdFixture.Variant.standard());
        edit(model.resolve("scheduler/scheduler_config.json"), c -> c.put("_class_name", "LCMScheduler"));
        ModelDefaults lcm = ModelDefaults.of(ModelDirectory.open(model));
        assertThat(lcm.steps()).isEqualTo(4);
        assertThat(lcm.guidance()).isEqualTo(1.0);
    }

    @Test
    void otherModelsGetStableDiffusionsUsualSettingsAndZeroSnrTrailingIsNotFewStep() throws Exception {
        ModelDefaults base = ModelDefaults.of(ModelDirectory.open(SdxlFixture.write(dir.resolve("base"),
                SdxlFixture.Variant.base())));
        assertThat(base.steps()).isEqualTo(20);
        assertThat(base.guidance()).isEqualTo(7.5);
        Path zeroSnr = SdFixture.write(dir.resolve("zero-snr"), SdFixture.Variant.standard());
        edit(zeroSnr.resolve("scheduler/scheduler_config.json"), c -> c.put("timestep_spacing", "trailing")
                .put("rescale_betas_zero_snr", true));
        assertThat(ModelDefaults.of(ModelDirectory.open(zeroSnr)).steps()).isEqualTo(20);
    }

    @Test
    void troupeDefaultsInTheModelIndexWinKeyByKey() throws Exception {
        Path turbo = SdxlFixture.write(dir.resolve("turbo"), SdxlFixture.Variant.turboStyle());
        edit(turbo.resolve("model_index.json"), c -> c.putObject("troupe_defaults").put("steps", 2));
        ModelDefaults own = ModelDefaults.of(ModelDirectory.open(turbo));
        assertThat(own.steps()).isEqualTo(2);
        assertThat(own.guidance()).isEqualTo(0.0); // not given: the scheduler config's
        assertThat(own.source()).contains("troupe_defaults");
    }
}
