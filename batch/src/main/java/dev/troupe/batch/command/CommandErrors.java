package dev.troupe.batch.command;

import dev.troupe.scene.UserInputException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plumbing shared by every troupe command and the Spark job: errors become one line on stderr and an exit status
 * ({@link ExitCodes}); bad input never shows a stack trace. Set TROUPE_DEBUG=1 to see the stack trace of an internal
 * error.
 *
 * <p>A command signals bad input by throwing a {@link UserInputException} (or a subclass, such as the planner's and
 * the plan reader's); anything else is an internal error.
 */
public final class CommandErrors {

    /** Notices already given in this process: each is said once, however many renders meet it. */
    private static final Set<String> NOTED = ConcurrentHashMap.newKeySet();
    private static volatile PrintWriter notes = new PrintWriter(System.err, true, StandardCharsets.UTF_8);

    private CommandErrors() {
    }

    /** Where {@link #noteOnce} writes from now on: the running command's stderr. */
    public static void notesTo(PrintWriter err) {
        notes = err;
    }

    /**
     * Says something the user should know but that is not an error (e.g. a scheduler config setting that is
     * ignored) as one line on stderr, {@code troupe: note: ...}, once per process.
     */
    static void noteOnce(String message) {
        if (NOTED.add(message)) {
            notes.println("troupe: note: " + oneLine(message));
        }
    }

    /** The command line with troupe's error handling, printing to these writers. */
    public static CommandLine configure(CommandLine commandLine, PrintWriter out, PrintWriter err) {
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(CommandErrors::onExecutionException);
        commandLine.setParameterExceptionHandler(CommandErrors::onParameterException);
        commandLine.setExitCodeExceptionMapper(e -> e instanceof UserInputException ? ExitCodes.BAD_INPUT : ExitCodes.INTERNAL_ERROR);
        return commandLine;
    }

    private static int onExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof UserInputException) {
            err.println("troupe: " + oneLine(e.getMessage()));
            return ExitCodes.BAD_INPUT;
        }
        return internalError(e, err);
    }

    /** One line naming the root cause (the stack trace too with TROUPE_DEBUG); the exit status of an internal error. */
    public static int internalError(Throwable e, PrintWriter err) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        err.println("troupe: internal error: " + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + oneLine(root.getMessage()))
                + " (set TROUPE_DEBUG=1 for the stack trace)");
        if (System.getenv("TROUPE_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return ExitCodes.INTERNAL_ERROR;
    }

    private static int onParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        String command = commandLine.getCommandSpec().qualifiedName();
        commandLine.getErr().println("troupe: " + oneLine(e.getMessage()) + " (see '" + command + " --help')");
        return ExitCodes.BAD_INPUT;
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
