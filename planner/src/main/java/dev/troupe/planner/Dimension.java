package dev.troupe.planner;

import java.util.List;
import java.util.Map;

/**
 * An attribute the planner can assign (skin, gender, top colour...), from {@code troupe/dimensions.yaml}.
 *
 * @param name          the key in a region's attributes
 * @param values        value -> the words that name it, in the data's order
 * @param mixes         phrases that ask for a mix over all values ("multiracial")
 * @param defaultMix    the distribution a named mix uses
 * @param nouns         words for the dimension itself ("skin tones", "ages"): a mix word before them asks for a mix
 */
public record Dimension(String name, Map<String, List<String>> values, List<String> mixes, Distribution defaultMix,
                        List<String> nouns) {

    public Dimension(String name, Map<String, List<String>> values, List<String> mixes, Distribution defaultMix) {
        this(name, values, mixes, defaultMix, List.of());
    }

    public boolean hasValue(String value) {
        return values.containsKey(value);
    }

    /** The value a word names, or null ("grey" -> "gray"). */
    public String valueForWord(String word) {
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            if (entry.getKey().equals(word) || entry.getValue().contains(word)) {
                return entry.getKey();
            }
        }
        return null;
    }
}
