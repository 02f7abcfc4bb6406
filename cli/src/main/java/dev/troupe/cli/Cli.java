package dev.troupe.cli;

import dev.troupe.batch.command.CommandErrors;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Map;

/**
 * Runs {@code troupe}: the command tree of {@link Main} with the error handling every troupe command shares
 * ({@link CommandErrors}: one line on stderr and an exit status from {@link dev.troupe.batch.command.ExitCodes}; bad
 * input never shows a stack trace).
 */
public final class Cli {

    private Cli() {
    }

    /** Runs troupe with these arguments, printing to the given writers; returns the exit status. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(out, err, System.getenv(), args);
    }

    /** As {@link #execute(PrintWriter, PrintWriter, String...)}, reading settings from this environment. */
    static int execute(PrintWriter out, PrintWriter err, Map<String, String> environment, String... args) {
        CommandLine commandLine = CommandErrors.configure(Main.commandLine(environment), out, err);
        CommandErrors.notesTo(err);
        int status;
        try {
            status = commandLine.execute(args);
        } catch (Error e) { // picocli hands on Errors (ExceptionInInitializerError, OutOfMemoryError...) as they are
            status = CommandErrors.internalError(e, err);
        }
        out.flush();
        err.flush();
        return status;
    }
}
