package dev.troupe.batch.command;

import java.util.Map;

/**
 * A parent command that hands its subcommands the environment they read settings from (TROUPE_*): the process's, or
 * a test's. {@code troupe} is one; {@link BatchCommand} run on its own reads the process's.
 */
public interface CommandEnvironment {

    Map<String, String> environment();
}
