package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The words a subject's prompt must contain for each attribute it was assigned (the {@code phrases}
 * of {@code troupe/llm/subjects.yaml}): "dark skin" for skin=dark, "woman" (or "female", "girl"...) for
 * gender=female. Matching ignores case and spacing and respects word edges, so "man" is not found
 * in "woman".
 */
final class AttributePhrases {

    /** One attribute's requirement: any of {@code alternatives}; the first is the one asked for. */
    record Requirement(String dimension, String value, List<String> alternatives) {
        String asked() {
            return alternatives.get(0);
        }
    }

    private static final Pattern SLOT = Pattern.compile("\\{([a-z_]+)(?:\\|([^}]*))?}");

    /** dimension -> a template (String) or value -> alternatives (List). */
    private final Map<String, Object> rules = new LinkedHashMap<>();

    AttributePhrases(JsonNode phrases) {
        phrases.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                rules.put(e.getKey(), e.getValue().asText());
            } else {
                Map<String, List<String>> byValue = new LinkedHashMap<>();
                e.getValue().fields().forEachRemaining(v -> {
                    List<String> alternatives = new ArrayList<>();
                    if (v.getValue().isTextual()) {
                        alternatives.add(v.getValue().asText());
                    } else {
                        v.getValue().forEach(a -> alternatives.add(a.asText()));
                    }
                    byValue.put(v.getKey(), alternatives);
                });
                rules.put(e.getKey(), byValue);
            }
        });
    }

    /** The requirements of one subject, in its attributes' order; attributes that ask for nothing are left out. */
    List<Requirement> of(Map<String, String> attributes) {
        List<Requirement> out = new ArrayList<>();
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            Object rule = rules.getOrDefault(a.getKey(), "{value}");
            List<String> alternatives;
            if (rule instanceof String template) {
                String phrase = render(template, a.getValue(), attributes);
                alternatives = phrase.isEmpty() ? List.of() : List.of(phrase);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, List<String>> byValue = (Map<String, List<String>>) rule;
                alternatives = byValue.getOrDefault(a.getValue(), List.of(a.getValue()));
            }
            if (!alternatives.isEmpty()) {
                out.add(new Requirement(a.getKey(), a.getValue(), List.copyOf(alternatives)));
            }
        }
        return out;
    }

    /** The requirements this prompt misses. */
    static List<Requirement> missing(String prompt, List<Requirement> requirements) {
        List<Requirement> out = new ArrayList<>();
        for (Requirement r : requirements) {
            if (r.alternatives().stream().noneMatch(p -> contains(prompt, p))) {
                out.add(r);
            }
        }
        return out;
    }

    static boolean contains(String text, String phrase) {
        String[] words = phrase.strip().toLowerCase(Locale.ROOT).split("\\s+");
        StringBuilder regex = new StringBuilder("(?<![\\p{L}\\p{N}])");
        for (int i = 0; i < words.length; i++) {
            regex.append(i == 0 ? "" : "\\s+").append(Pattern.quote(words[i]));
        }
        regex.append("(?![\\p{L}\\p{N}])");
        return Pattern.compile(regex.toString()).matcher(text.toLowerCase(Locale.ROOT)).find();
    }

    private static String render(String template, String value, Map<String, String> attributes) {
        Matcher m = SLOT.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String slot = m.group(1);
            String replacement = slot.equals("value") ? value
                    : attributes.getOrDefault(slot, m.group(2) != null ? m.group(2) : "");
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString().replaceAll("\\s+", " ").strip();
    }
}
