package dev.troupe.scene;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a verifier read back from one subject after its scene was drawn ({@code --verify}); optional in a plan,
 * written only by a verified render. It records, it does not steer: rendering ignores it, so a verified plan
 * re-renders to the same pixels from its seeds alone.
 *
 * @param verifier who read the subject: {@code palette} (the model's evaluation.json) or {@code clip:<folder>}
 * @param verified every planned attribute the verifier reads was read as planned, in the drawing kept
 * @param read     dimension to the value read in the drawing kept ({@value #UNSURE} when the verifier could not
 *                 decide), for the planned dimensions the verifier reads
 * @param tries    how many drawings of this subject were read: 1 when the first passed, one more per redraw
 * @param seeds    the region seed of each of those drawings, in order; the region's own {@code seed} is the one kept
 */
public record Verification(String verifier, boolean verified, Map<String, String> read, int tries, List<Long> seeds) {

    /** The reading of a verifier that could not tell (a margin too small between the two best values). */
    public static final String UNSURE = "unsure";

    /** The read values keep their order (the order of the JSON). */
    public Verification {
        read = read == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(read));
        seeds = seeds == null ? List.of() : List.copyOf(seeds);
    }
}
