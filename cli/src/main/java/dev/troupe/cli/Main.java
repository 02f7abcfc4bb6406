package dev.troupe.cli;

import dev.troupe.batch.command.BatchCommand;
import dev.troupe.batch.command.CommandEnvironment;
import dev.troupe.batch.command.TroupeVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code troupe}: one request for a group scene in, one image of many deliberately drawn subjects out. */
@Command(name = "troupe", mixinStandardHelpOptions = true, versionProvider = TroupeVersion.class,
        description = "Plans and draws group scenes: every subject gets its own box, prompt and attributes.",
        subcommands = {
                PlanCommand.class,
                RunCommand.class,
                RenderCommand.class,
                BatchCommand.class,
                ModelsCommand.class,
                BenchCommand.class,
                EvalCommand.class,
                StudioCommand.class,
                // one line per command; batch is the batch module's (the Spark job's sibling); shared plumbing
                // (errors, exit codes) lives in the batch module's CommandErrors, run by Cli
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable, CommandEnvironment {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The environment commands read settings from (TROUPE_*): the process's, or a test's. */
    private final Map<String, String> environment;

    Main(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(Cli.execute(out, err, args));
    }

    /** The command tree; {@link Cli#execute} adds the error handling. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    static CommandLine commandLine(Map<String, String> environment) {
        return new CommandLine(new Main(environment));
    }

    @Override
    public void run() {
        // "troupe" alone: show what it can do
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
