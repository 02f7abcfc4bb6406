package dev.troupe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process run of the {@code troupe} command line: exit status and what it printed. */
record CliRun(int exit, String out, String err) {

    /** The environment tests run in: the rule planner, whatever the developer's environment or config file says. */
    static final Map<String, String> HERMETIC = Map.of("TROUPE_PLANNER", "rules", "TROUPE_CONFIG", "/dev/null");

    static CliRun of(String... args) {
        return of(HERMETIC, args);
    }

    static CliRun of(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.execute(new PrintWriter(out, true), new PrintWriter(err, true), environment, args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
