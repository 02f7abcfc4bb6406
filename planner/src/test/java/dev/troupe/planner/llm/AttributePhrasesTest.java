package dev.troupe.planner.llm;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AttributePhrasesTest {

    private final AttributePhrases phrases = new AttributePhrases(LlmPrompt.load("subjects").doc().path("phrases"));

    @Test
    void eachAttributeAsksForItsPhrase() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("gender", "male");
        a.put("skin", "dark");
        a.put("hair", "red");
        a.put("top", "blue");
        a.put("top_kind", "jersey");
        a.put("glasses", "no");
        a.put("handedness", "left");
        List<AttributePhrases.Requirement> r = phrases.of(a);
        assertThat(r).extracting(AttributePhrases.Requirement::asked)
                .containsExactly("man", "dark skin", "red hair", "blue jersey", "jersey", "left-handed");
        assertThat(AttributePhrases.missing("a male guard, Dark  Skin, long red hair, blue jersey, left handed", r)).isEmpty();
        assertThat(AttributePhrases.missing("a woman, dark skin, red hair, blue jersey, left-handed", r))
                .extracting(AttributePhrases.Requirement::dimension).containsExactly("gender"); // "man" is not in "woman"
        assertThat(AttributePhrases.missing("a man, darkskin, reddish hair, a blue shirt", r))
                .extracting(AttributePhrases.Requirement::dimension)
                .containsExactly("skin", "hair", "top", "top_kind", "handedness");
    }
}
