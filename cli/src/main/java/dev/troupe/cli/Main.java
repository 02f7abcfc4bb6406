package dev.troupe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Minimal entry point for the renderer branch; reconciled with the foundation's Main at merge. */
@Command(name = "troupe", mixinStandardHelpOptions = true, version = "troupe 0.1.0",
        description = "One request for a group scene in, one image of many subjects out.",
        subcommands = {RenderCommand.class, ModelsCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // Offline by default: DJL would otherwise contact a metadata service; SLF4J has no binding to warn about.
        for (String key : new String[] {"DJL_OFFLINE", "OPT_OUT_TRACKING"}) {
            if (System.getProperty(key) == null) {
                System.setProperty(key, "true");
            }
        }
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
