package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.planner.PlanExplainer;
import dev.troupe.planner.PlanResult;
import dev.troupe.scene.PlanJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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
        return ExitCodes.OK;
    }
}
