package dev.troupe.batch.command;

/** Exit statuses of every troupe command. */
public final class ExitCodes {

    /** The command did what was asked. */
    public static final int OK = 0;
    /** A bug or an environment failure: the message says what broke. */
    public static final int INTERNAL_ERROR = 1;
    /** The user's input (request, option, file) is wrong: the message says how to fix it. */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {
    }
}
