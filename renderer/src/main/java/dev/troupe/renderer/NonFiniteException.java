package dev.troupe.renderer;

import dev.troupe.scene.UserInputException;

/**
 * NaN or infinite numbers where finite ones were due: merged weights, denoised latents or a decoded image. It is the
 * user's input that overflowed (a LoRA, its weight, the guidance scale, an fp16 model at its limits), so it is bad
 * input (exit 2) and the message names the file the numbers came from: never a black image.
 */
public final class NonFiniteException extends UserInputException {

    public NonFiniteException(String message) {
        super(message);
    }

    /** The index of the first NaN or infinite value, or -1 when every value is finite. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }
}
