package dev.troupe.scene;

/**
 * A problem with what the user gave Troupe (a request, an option, a plan file), as opposed to a bug.
 * The message is one line that names the problem and says how to fix it; the command line shows it
 * as is and exits with status 2. Every module's bad-input exception extends this one.
 */
public class UserInputException extends RuntimeException {

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
