package dev.troupe.planner;

import dev.troupe.scene.UserInputException;

/** A request or planning option that cannot be turned into a plan; the message says why and what works. */
public final class RequestException extends UserInputException {

    public RequestException(String message) {
        super(message);
    }
}
