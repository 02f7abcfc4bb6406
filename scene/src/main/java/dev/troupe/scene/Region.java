package dev.troupe.scene;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One subject of the scene: where it stands, what it is drawn from, and why.
 *
 * @param id             unique within the plan, e.g. "s1"
 * @param group          the part of the request the subject belongs to ("doctor", "nurse"), or null; new in plan
 *                       version 2, so that two doctors and three nurses stay apart in every report
 * @param box            where the subject is drawn, in image pixels
 * @param prompt         the subject's own prompt
 * @param negativePrompt the subject's negative prompt (discourages extra people in the box)
 * @param seed           the seed of this region's initial noise, so one subject can change alone
 * @param weight         how strongly this region's prediction counts where regions meet (>= 0)
 * @param attributes     dimension to value, as the sampler assigned them ("skin" -> "tan")
 * @param loras          LoRAs that apply to this region only
 * @param verification   what a verifier read back from the drawn subject, or null (not verified); optional, written
 *                       only by {@code --verify}
 */
public record Region(String id, @JsonInclude(JsonInclude.Include.NON_NULL) String group, Box box, String prompt, String negativePrompt, long seed, double weight,
                     Map<String, String> attributes, List<LoraRef> loras,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Verification verification) {

    /** Missing optional parts become empty; the attribute order is kept (it is the order of the JSON). */
    public Region {
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        attributes = attributes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    /** A region not (yet) verified. */
    public Region(String id, String group, Box box, String prompt, String negativePrompt, long seed, double weight,
                  Map<String, String> attributes, List<LoraRef> loras) {
        this(id, group, box, prompt, negativePrompt, seed, weight, attributes, loras, null);
    }

    /** The same region with other LoRAs. */
    public Region withLoras(List<LoraRef> newLoras) {
        return new Region(id, group, box, prompt, negativePrompt, seed, weight, attributes, newLoras, verification);
    }

    /** The same region drawn from another seed (a redraw). */
    public Region withSeed(long newSeed) {
        return new Region(id, group, box, prompt, negativePrompt, newSeed, weight, attributes, loras, verification);
    }

    /** The same region with this verification record (null: none). */
    public Region withVerification(Verification newVerification) {
        return new Region(id, group, box, prompt, negativePrompt, seed, weight, attributes, loras, newVerification);
    }

    /** The same region in another box. */
    public Region withBox(Box newBox) {
        return new Region(id, group, newBox, prompt, negativePrompt, seed, weight, attributes, loras, verification);
    }

    /** A region outside any named group (plans of version 1, hand-written regions). */
    public Region(String id, Box box, String prompt, String negativePrompt, long seed, double weight,
                  Map<String, String> attributes, List<LoraRef> loras) {
        this(id, null, box, prompt, negativePrompt, seed, weight, attributes, loras);
    }
}
