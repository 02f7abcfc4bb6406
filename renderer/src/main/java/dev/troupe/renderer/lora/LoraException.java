package dev.troupe.renderer.lora;

/**
 * The one error type for everything that can go wrong reading, matching or merging a LoRA: a malformed or hostile
 * safetensors file, a LoRA whose keys match nothing in the model, a shape that does not fit the weight it targets,
 * an ONNX model whose weights cannot be read. The message names the file and the problem, and is meant for the user
 * as is (the CLI prints it and exits with code 2).
 */
public final class LoraException extends dev.troupe.scene.UserInputException {
    private static final long serialVersionUID = 1L;

    public LoraException(String message) {
        super(message);
    }

    public LoraException(String message, Throwable cause) {
        super(message, cause);
    }
}
