package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.ModelOptions;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.composer.memory.MemoryCheck;
import dev.troupe.planner.PlanExplainer;
import dev.troupe.planner.PlanResult;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code troupe plan "<request>"}: prints the scene plan (JSON) for a group request. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Turns a group request into a scene plan (JSON): a box, a prompt and attributes per subject.",
                "With the rule planner (the default when no LLM is configured) it needs no model and no network;",
                "--planner openai|ollama lets an LLM read the request and write the prompts (counts and proportions stay exact).",
                "Example: troupe plan \"a multiracial female basketball team of 5 on an indoor court\" --seed 7"})
public final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "REQUEST", description = "the group, in English, e.g. \"five nurses in an office, half of them men\"")
    String request;

    @Mixin
    PlanningOptions planning;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the plan here instead of printing it")
    Path output;

    @Option(names = "--explain", description = "print a table of subjects and, per attribute, target against realized counts")
    boolean explain;

    @Override
    public Integer call() {
        PlanResult result = planning.plan(request, main.environment(), spec.commandLine().getErr());
        if (output != null) {
            PlanJson.write(result.plan(), output);
        }
        if (explain) {
            spec.commandLine().getOut().print(PlanExplainer.explain(result));
        } else if (output == null) {
            spec.commandLine().getOut().print(PlanJson.write(result.plan()));
        }
        if (output != null) {
            spec.commandLine().getErr().println("troupe: wrote " + output + " (" + result.plan().regions().size() + " subjects)");
        }
        String memory = memoryProblem(result.plan());
        if (memory != null) {
            spec.commandLine().getErr().println("troupe: warning: " + memory);
        }
        return ExitCodes.OK;
    }

    /** Whether drawing the plan with its model's defaults would be refused for memory on this machine (null: fits). */
    private String memoryProblem(ScenePlan plan) {
        try {
            ModelDirectory dir = ModelDirectory.open(new ModelOptions().resolve(plan.model(), output));
            return MemoryCheck.problem(dir, plan, RenderOptions.memorySettings(dir, "joint", null, -1, 0),
                    AvailableMemory.bytes());
        } catch (UserInputException | UncheckedIOException e) {
            return null; // the model folder is checked, with its own message, when the plan is drawn
        }
    }
}
