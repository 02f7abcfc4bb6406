package dev.troupe.renderer.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClipBpeTokenizerTest {

    static final Map<String, Integer> VOCAB = Map.ofEntries(
            Map.entry("<|startoftext|>", 0), Map.entry("<|endoftext|>", 1), Map.entry("a</w>", 2),
            Map.entry("c", 3), Map.entry("a", 4), Map.entry("t</w>", 5), Map.entry("ca", 6),
            Map.entry("cat</w>", 7), Map.entry("t", 8), Map.entry("s</w>", 9), Map.entry("!</w>", 10),
            Map.entry("1</w>", 11), Map.entry("2</w>", 12), Map.entry("at</w>", 13), Map.entry("Ã©</w>", 14),
            Map.entry("Ã", 15), Map.entry("©</w>", 16), Map.entry("!", 17));
    // Ranks: "c a" beats "a t</w>", so "cat" merges c+a first and then ca+t</w>.
    static final List<String> MERGES = List.of("c a", "ca t</w>", "a t</w>", "Ã ©</w>");

    private final ClipBpeTokenizer tokenizer = new ClipBpeTokenizer(VOCAB, MERGES, null, 8);

    @Test
    void mergesByRankWithEndOfWordSuffix() {
        // "cat": [c, a, t</w>] -> (c a, rank 0) [ca, t</w>] -> (ca t</w>, rank 1) [cat</w>]
        assertThat(tokenizer.tokenize("cat")).containsExactly("cat</w>");
        // "at": only "a t</w>" applies
        assertThat(tokenizer.tokenize("at")).containsExactly("at</w>");
        // "cats": [c, a, t, s</w>] -> [ca, t, s</w>]; "ca t" is not a merge (the listed one ends a word)
        assertThat(tokenizer.tokenize("cats")).containsExactly("ca", "t", "s</w>");
    }

    @Test
    void lowerCasesCollapsesWhitespaceAndSplitsDigitsAndSymbols() {
        assertThat(tokenizer.tokenize("  A   CAT! ")).containsExactly("a</w>", "cat</w>", "!</w>");
        assertThat(tokenizer.tokenize("12")).containsExactly("1</w>", "2</w>");
    }

    @Test
    void mapsUtf8BytesThroughTheByteTable() {
        // "é" is UTF-8 C3 A9; both bytes are printable Latin-1 and map to themselves: "Ã", "©"
        assertThat(tokenizer.tokenize("é")).containsExactly("Ã©</w>");
    }

    @Test
    void encodesWithBosEosAndEosPadding() {
        assertThat(tokenizer.encode("A cat!")).containsExactly(0, 2, 7, 10, 1, 1, 1, 1);
        assertThat(tokenizer.encode("")).containsExactly(0, 1, 1, 1, 1, 1, 1, 1);
    }

    @Test
    void truncatesKeepingEos() {
        assertThat(tokenizer.encode("a a a a a a a a a a")).containsExactly(0, 2, 2, 2, 2, 2, 2, 1);
    }

    @Test
    void padsWithTheNamedPadToken() {
        ClipBpeTokenizer sd2 = new ClipBpeTokenizer(VOCAB, MERGES, "!", 6);
        assertThat(sd2.encode("cat")).containsExactly(0, 7, 1, 17, 17, 17);
    }

    @Test
    void loadsFromAFolderSkippingTheVersionLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(VOCAB));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n");
        try (PromptTokenizer loaded = PromptTokenizers.open(dir, 8)) {
            assertThat(loaded).isInstanceOf(ClipBpeTokenizer.class);
            assertThat(loaded.encode("cats")).containsExactly(0, 6, 8, 9, 1, 1, 1, 1);
        }
    }
}
