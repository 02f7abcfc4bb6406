package dev.troupe.planner.llm;

import dev.troupe.scene.UserInputException;

/**
 * The LLM planner cannot go on: the endpoint is unreachable, slow, answers an HTTP error, or answers
 * malformed JSON twice. The message names the endpoint and says what to try (often
 * {@code --planner rules}); it never contains the API key. The command line exits with status 2.
 */
public final class LlmException extends UserInputException {

    public LlmException(String message) {
        super(message);
    }
}
