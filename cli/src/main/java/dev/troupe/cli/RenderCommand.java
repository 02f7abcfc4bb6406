package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code troupe render plan.json -o out.png}: draws a plan, e.g. one edited by hand after {@code troupe plan}. */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = {"Draws a scene plan. A plan with no regions is a plain single-prompt image.",
                "Writes OUT.png (plan and parameters in its metadata), OUT.plan.json and OUT.boxes.png."})
public final class RenderCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PLAN", description = "plan JSON file (from troupe plan, or edited)")
    Path planFile;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.png", required = true, description = "the image to write")
    Path output;

    @Option(names = "--seed", description = "seed of the background noise (default: the plan's seed)")
    Long seed;

    @Mixin
    RenderOptions rendering;

    @Override
    public Integer call() throws Exception {
        SceneOutputs.Targets outputs = SceneOutputs.Targets.of(output);
        ScenePlan plan = PlanJson.read(planFile);
        if (seed != null) {
            plan = plan.withSeed(seed);
        }
        plan = rendering.withRegionLoras(plan);
        Path planFolder = planFile.toAbsolutePath().getParent();
        Path modelFolder = rendering.model().resolve(plan.model(), planFile);
        rendering.checkMemory(modelFolder, plan);
        try (StableDiffusionModel model = rendering.load(modelFolder, plan,
                planFolder)) {
            SceneRendering.render(model, plan, rendering, planFolder, outputs, spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        }
        return ExitCodes.OK;
    }
}
