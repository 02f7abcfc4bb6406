package dev.troupe.planner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.planner.write.Profile;
import dev.troupe.planner.write.PromptWriter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded model knows only the words it was trained on: every word the embedded profile can
 * write must be in its tokenizer's vocabulary (an unknown word becomes [UNK] and the prompt means less).
 */
class EmbeddedVocabularyTest {

    // the HuggingFace "Whitespace" pre-tokenizer: runs of word characters, or of other non-space characters
    private static final Pattern PRE_TOKENS = Pattern.compile("\\w+|[^\\w\\s]+");

    @Test
    void everyWordTheEmbeddedProfileCanWriteIsInTheModelVocabulary() throws IOException {
        Set<String> written = wordsTheEmbeddedProfileCanWrite();
        assertThat(written).contains("woman", "skin", "jersey", "indoor", "court");

        Set<String> profileVocabulary = new HashSet<>(Profile.named("embedded").vocabulary());
        assertThat(profileVocabulary).as("profiles/embedded.yaml vocabulary").containsAll(written);

        Path tokenizer = root().resolve("models/embedded/tokenizer/tokenizer.json");
        // models/ is not in every checkout (a fresh clone before the model is committed): then only the
        // profile's own vocabulary list above can be checked
        assumeTrue(Files.isRegularFile(tokenizer), "no " + tokenizer + " here; checked the profile vocabulary only");
        JsonNode vocab = new ObjectMapper().readTree(tokenizer.toFile()).path("model").path("vocab");
        assertThat(vocab.isObject()).as("model.vocab in " + tokenizer).isTrue();
        Set<String> modelVocabulary = new HashSet<>();
        vocab.fieldNames().forEachRemaining(modelVocabulary::add);
        Set<String> missing = new TreeSet<>(written);
        missing.removeAll(modelVocabulary);
        assertThat(missing).as("words the embedded profile writes that " + tokenizer + " does not know").isEmpty();
    }

    private static Set<String> wordsTheEmbeddedProfileCanWrite() {
        Lexicon lexicon = Lexicon.standard();
        Profile profile = Profile.named("embedded");
        PromptWriter writer = new PromptWriter(profile, lexicon);
        List<String> texts = new ArrayList<>();
        texts.add(writer.negativePrompt());
        texts.add(writer.regionNegativePrompt());
        List<GroupSpec> specs = new ArrayList<>();
        List<String> heads = new ArrayList<>(lexicon.words().people());
        heads.add(null);
        for (String head : heads) {
            specs.add(spec(head, null, null, null));
        }
        for (String scene : lexicon.sceneIds()) {
            specs.add(spec("player", "on a " + scene, scene, null));
        }
        for (String style : lexicon.styleIds()) {
            specs.add(spec("player", null, null, style));
        }
        specs.add(new GroupSpec("r", List.of(new Subgroup("person", 1, "person", "person", false, Constraints.NONE,
                List.of("with balloons"))), null, Constraints.NONE, "in a hospital", null, null, "in the style of klimt",
                null, false, List.of("having a picnic"), List.of()));
        for (GroupSpec spec : specs) {
            Subgroup group = spec.groups().get(0);
            texts.add(writer.background(spec));
            texts.add(writer.subject(Map.of(), group, spec));
            // every value of every dimension, alone and all together
            Map<String, String> all = new LinkedHashMap<>();
            for (Dimension d : lexicon.dimensions().values()) {
                for (String value : d.values().keySet()) {
                    texts.add(writer.subject(Map.of(d.name(), value), group, spec));
                    all.put(d.name(), value);
                    texts.add(writer.subject(all, group, spec));
                }
            }
        }
        Set<String> words = new TreeSet<>();
        for (String text : texts) {
            Matcher m = PRE_TOKENS.matcher(text.toLowerCase());
            while (m.find()) {
                words.add(m.group());
            }
        }
        return words;
    }

    private static GroupSpec spec(String head, String sceneWords, String sceneId, String style) {
        return GroupSpec.single("r", 1, head, head == null ? null : "tall " + head, Constraints.NONE, sceneWords, sceneId,
                style, null, null);
    }

    /** The repository root: surefire's troupe.root, else the nearest folder above with models/ and pom.xml. */
    static Path root() {
        String property = System.getProperty("troupe.root");
        if (property != null && Files.isDirectory(Paths.get(property, "models"))) {
            return Paths.get(property);
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("models"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        return Paths.get("").toAbsolutePath();
    }
}
