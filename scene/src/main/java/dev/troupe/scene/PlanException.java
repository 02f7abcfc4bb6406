package dev.troupe.scene;

/** A scene plan that cannot be used: the message names the field and the problem. */
public final class PlanException extends UserInputException {

    public PlanException(String message) {
        super(message);
    }

    public PlanException(String message, Throwable cause) {
        super(message, cause);
    }
}
