package dev.troupe.verify;

import dev.troupe.scene.Region;
import dev.troupe.scene.Verification;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Reads a drawn subject's planned attributes back from the pixels of its box. Two kinds: {@link PaletteVerifier}
 * (a model that ships its palette, {@code evaluation.json}: the embedded model) and {@link ClipVerifier} (zero-shot
 * CLIP on ONNX Runtime, for any model). Implementations are safe to call from several threads at once.
 */
public interface SubjectVerifier extends AutoCloseable {

    /** What the plan records as the verifier: {@code palette} or {@code clip:<folder>}. */
    String name();

    /**
     * The values read for those of the region's planned attributes this verifier can read, dimension to value, in
     * the order of the plan's attributes; {@link Verification#UNSURE} where it cannot decide. Attributes it cannot
     * read are left out (they are neither passed nor failed).
     *
     * @param image the whole drawn scene; the region's box lies inside it
     */
    Map<String, String> read(BufferedImage image, Region region);

    /** Releases what the verifier holds (a CLIP model's sessions); nothing by default. */
    @Override
    default void close() {
    }

    /** Whether every reading is the planned value (an "unsure" reading fails: the subject is redrawn). */
    static boolean matches(Region region, Map<String, String> read) {
        for (Map.Entry<String, String> e : read.entrySet()) {
            if (!e.getValue().equals(region.attributes().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
