package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.planner.PlanResult;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.scene.ScenePlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code troupe run "<request>"}: plan, then draw, in one go. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Plans a group request and draws it: one image, every subject from its own prompt in its own box.",
                "Writes OUT.png (plan and parameters in its metadata), OUT.plan.json and OUT.boxes.png.",
                "Example: troupe run \"a multiracial female basketball team of 5 on an indoor court\" -o team.png"})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "REQUEST", description = "the group, in English")
    String request;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.png", defaultValue = "scene.png",
            description = "the image to write (default: ${DEFAULT-VALUE})")
    Path output;

    @Mixin
    PlanningOptions planning;

    @Mixin
    RenderOptions rendering;

    @Override
    public Integer call() throws Exception {
        SceneOutputs.Targets outputs = SceneOutputs.Targets.of(output);
        PlanResult planned = planning.plan(request, main.environment(), spec.commandLine().getErr());
        ScenePlan plan = rendering.withRegionLoras(planned.plan());
        Path modelFolder = rendering.model().resolve(plan.model(), null);
        rendering.checkMemory(modelFolder, plan);
        try (StableDiffusionModel model = rendering.load(modelFolder, plan, Path.of(""))) {
            SceneRendering.render(model, plan, rendering, Path.of(""), outputs, spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        }
        return ExitCodes.OK;
    }
}
