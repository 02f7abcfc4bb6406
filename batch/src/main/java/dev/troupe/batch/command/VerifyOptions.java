package dev.troupe.batch.command;

import dev.troupe.composer.RegionalRenderer;
import dev.troupe.eval.Palette;
import dev.troupe.scene.UserInputException;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.verify.ClipVerifier;
import dev.troupe.verify.PaletteVerifier;
import dev.troupe.verify.SubjectVerifier;
import dev.troupe.verify.VerifiedRenderer;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --verify}, {@code --verify-tries} and {@code --verifier}: read every subject back after drawing and redraw
 * the ones drawn wrong (the verify module's {@link VerifiedRenderer}), shared by {@code run}, {@code render},
 * {@code eval}, {@code batch} and the Spark job.
 */
public final class VerifyOptions {

    /** {@code --verifier}'s default: the model's own palette ({@code evaluation.json}). */
    public static final String PALETTE = "palette";

    @Option(names = "--verify", description = "read each subject's planned attributes back from its box and redraw the "
            + "subjects drawn wrong with new region seeds (recorded in the plan and the PNG)")
    boolean verify;

    @Option(names = "--verify-tries", paramLabel = "N", defaultValue = "" + VerifiedRenderer.DEFAULT_REDRAWS,
            description = "with --verify: the most redraw rounds after the first drawing; each redraws only the "
                    + "subjects still wrong (default: ${DEFAULT-VALUE})")
    int tries = VerifiedRenderer.DEFAULT_REDRAWS;

    @Option(names = "--verifier", paramLabel = "palette|DIR",
            description = "with --verify: 'palette' reads the model's evaluation.json colours (the embedded model), or "
                    + "a CLIP ONNX export folder for zero-shot reading (default: ${DEFAULT-VALUE})")
    String verifier = PALETTE;

    /** {@code --verify}. */
    public boolean enabled() {
        return verify;
    }

    /** The most redraw rounds; checked. */
    public int redraws() {
        if (tries < 0 || tries > 20) {
            throw new UserInputException("--verify-tries must be between 0 and 20, not " + tries);
        }
        return tries;
    }

    /**
     * The verifier for drawings of the model in {@code modelFolder}, or null without {@code --verify}; bad input (no
     * palette, a bad CLIP folder) is one message naming the fix. A CLIP verifier's sessions come from {@code sessions}.
     */
    public SubjectVerifier verifier(Path modelFolder, SessionFactory sessions) {
        if (!verify) {
            return null;
        }
        redraws();
        if (verifier == null || verifier.equals(PALETTE)) {
            try {
                return new PaletteVerifier(Palette.load(modelFolder));
            } catch (IllegalArgumentException e) {
                throw new UserInputException("--verify: " + e.getMessage() + "; for other models give a CLIP ONNX "
                        + "export with --verifier DIR");
            }
        }
        return ClipVerifier.load(Path.of(verifier), sessions);
    }

    /** The verifying renderer over {@code renderer}, or null without a verifier. */
    public VerifiedRenderer renderer(RegionalRenderer renderer, SubjectVerifier subjectVerifier) {
        return subjectVerifier == null ? null : new VerifiedRenderer(renderer, subjectVerifier, redraws());
    }
}
