package dev.troupe.renderer.tokenizer;

import dev.troupe.renderer.fixtures.SdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HuggingFacePromptTokenizerTest {

    @Test
    void padsToTheEncoderLengthWithTheFilesPadId(@TempDir Path dir) throws Exception {
        SdFixture.writeWordLevelTokenizer(dir, true);
        try (PromptTokenizer tokenizer = PromptTokenizers.open(dir, 77)) {
            assertThat(tokenizer).isInstanceOf(HuggingFacePromptTokenizer.class);
            int[] ids = tokenizer.encode("A Red Shirt");
            assertThat(ids).hasSize(77);
            // [BOS]=2, a=4, red=5, shirt=6, [EOS]=3, then [PAD]=0
            assertThat(ids).startsWith(2, 4, 5, 6, 3, 0);
            assertThat(ids[76]).isZero();
        }
    }

    @Test
    void padsWithEosWhenTheFileHasNoPadding(@TempDir Path dir) throws Exception {
        SdFixture.writeWordLevelTokenizer(dir, false);
        try (PromptTokenizer tokenizer = PromptTokenizers.open(dir, 16)) {
            assertThat(tokenizer.encode("red shirt")).containsExactly(2, 5, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3);
        }
    }

    @Test
    void padsWithTheConfigsPadTokenWhenTheFileHasNoPadding(@TempDir Path dir) throws Exception {
        SdFixture.writeWordLevelTokenizer(dir, false);
        java.nio.file.Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": {\"content\": \"[UNK]\"}}");
        try (PromptTokenizer tokenizer = PromptTokenizers.open(dir, 6)) {
            assertThat(tokenizer.encode("red shirt")).containsExactly(2, 5, 6, 3, 1, 1);
        }
    }

    @Test
    void truncatesLongPromptsKeepingBosAndEos(@TempDir Path dir) throws Exception {
        SdFixture.writeWordLevelTokenizer(dir, true);
        try (PromptTokenizer tokenizer = PromptTokenizers.open(dir, 77)) {
            int[] ids = tokenizer.encode("red ".repeat(200));
            assertThat(ids).hasSize(77);
            assertThat(ids[0]).isEqualTo(2);
            assertThat(ids[1]).isEqualTo(5);
            assertThat(ids[75]).isEqualTo(5);
            assertThat(ids[76]).isEqualTo(3);
        }
    }
}
