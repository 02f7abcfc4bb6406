package dev.troupe.renderer.model;

/**
 * A model folder, component or request that cannot be used. The message is meant for the user: it names the file
 * or value at fault and what would fix it.
 */
public final class ModelException extends dev.troupe.scene.UserInputException {

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
