package dev.troupe.renderer.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pure-Java CLIP tokenizer against the Hugging Face tokenizers library (through DJL) on a vocabulary in CLIP's
 * own format: vocab.json built as CLIP builds it (the 256 byte symbols, the same with {@code </w>}, one entry per
 * merge, then the two special tokens) and merges.txt, plus a tokenizer.json with the same vocabulary and CLIP's
 * normaliser, pre-tokeniser, BPE model and post-processor (as in the tokenizer.json of openai/clip-vit-large-patch14).
 * The expected ids are the library's.
 */
class ClipTokenizerReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LENGTH = 128;

    /** Merges in CLIP's merges.txt format, each pair made of symbols that exist by then. */
    private static final List<String> MERGES = List.of(
            "t h", "th e</w>", "i n", "a n</w>", "o n</w>", "o f</w>", "r e", "re d</w>",
            "p h", "ph o", "pho t", "phot o</w>", "c a", "ca t</w>", "ca f", "Ã ©</w>", "caf Ã©</w>",
            "in d", "ind o", "indo o", "indoo r</w>", "c o", "co u", "cou r", "cour t</w>", "i t</w>", "' s</w>",
            "s m", "sm i", "smi l", "smil e</w>", ": )</w>", "s h", "sh i", "shi r", "shir t</w>", "a a",
            "t o", "to y</w>", "Ã ¥</w>", "Ï ĥ", "a r", "ar e</w>", "s t", "st a", "n b", "u l</w>");

    static final List<String> PROMPTS = List.of(
            "a photo of a cat",
            "a\u00a0photo of a cat",                 // no-break space
            "a\u2009photo\u3000of\u2028a cat",       // thin space, ideographic space, line separator
            "a\u0085photo\u2029of\u202fa\u205fcat",  // next line, paragraph separator, narrow and math spaces
            "cafe\u0301 on an indoor court",         // e + combining acute: NFC makes it é
            "café on an indoor court",
            "A PHOTO OF A CAT",
            "  leading and trailing \t\n spaces  ",
            "ΣΟΦΙΑΣ ΣΑΣ",                            // capital sigma lower-cased without final-sigma context
            "İstanbul",                              // dotted capital I: i + combining dot
            "\u212b and \u00c5",                     // angstrom sign: NFC makes it Å
            "it's the cat's toy, aren't they?",
            "1990s red   shirt!!",
            "smile :) <|endoftext|> more",
            "<|startoftext|>a cat<|endoftext|>",
            "x<|ENDOFTEXT|>y",
            "!<|endoftext|>!",
            "emoji \ud83d\udc31 cat",
            "zero\u200bwidth \ufeffnbsp",
            "aaaaa aaa",
            "ﬁne ǅ ß");

    @Test
    void givesTheIdsOfHuggingFaceTokenizersForClipsFormat(@TempDir Path dir) throws Exception {
        writeClipTokenizer(dir);
        try (ClipBpeTokenizer ours = ClipBpeTokenizer.load(dir, null, LENGTH);
             HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                     Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"))) {
            for (String prompt : PROMPTS) {
                long[] expected = reference.encode(prompt).getIds();
                int[] actual = Arrays.copyOf(ours.encode(prompt), expected.length);
                assertThat(Arrays.stream(actual).asLongStream().toArray()).as(prompt).containsExactly(expected);
                assertThat(ours.encode(prompt)[expected.length - 1]).as("EOS closes " + prompt)
                        .isEqualTo(ours.encode("")[1]);
            }
            // ids as in CLIP's own vocabulary: BOS, "a</w>" 320, "!</w>" 256
            assertThat(ours.encode("A!")).startsWith(ours.encode("")[0], 320, 256);
            // the cases of the issue: no extra token for a no-break space, none for a decomposed accent
            assertThat(ours.tokenize("a\u00a0photo of a cat")).containsExactly("a</w>", "photo</w>", "of</w>",
                    "a</w>", "cat</w>");
            assertThat(ours.tokenize("cafe\u0301")).containsExactly("cafÃ©</w>");
        }
    }

    @Test
    void manyThreadsGiveTheIdsOfOneThread(@TempDir Path dir) throws Exception {
        writeClipTokenizer(dir);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // distinct words, so that every thread keeps inserting into the cache while others read it
            prompts.add("a photo of cat" + Integer.toString(i * 7919, 36) + " indoor" + Integer.toString(i, 36)
                    + " court " + PROMPTS.get(i % PROMPTS.size()));
        }
        List<int[]> expected;
        try (ClipBpeTokenizer single = ClipBpeTokenizer.load(dir, null, LENGTH)) {
            expected = prompts.stream().map(single::encode).toList();
        }
        try (ClipBpeTokenizer shared = ClipBpeTokenizer.load(dir, null, LENGTH)) {
            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Callable<List<int[]>>> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t * 37;
                    tasks.add(() -> {
                        List<int[]> out = new ArrayList<>();
                        for (int i = 0; i < prompts.size(); i++) {
                            out.add(shared.encode(prompts.get((i + offset) % prompts.size())));
                        }
                        return out;
                    });
                }
                List<Future<List<int[]>>> results = pool.invokeAll(tasks);
                for (int t = 0; t < threads; t++) {
                    List<int[]> got = results.get(t).get();
                    for (int i = 0; i < prompts.size(); i++) {
                        assertThat(got.get(i)).isEqualTo(expected.get((i + t * 37) % prompts.size()));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theWordCacheIsBounded(@TempDir Path dir) throws Exception {
        writeClipTokenizer(dir);
        try (ClipBpeTokenizer tokenizer = ClipBpeTokenizer.load(dir, null, LENGTH)) {
            StringBuilder words = new StringBuilder();
            for (int i = 0; i < ClipBpeTokenizer.CACHE_CAPACITY + 500; i++) {
                words.append(letters(i)).append(' ');
                if (i % 50 == 49) {
                    tokenizer.tokenize(words.toString());
                    words.setLength(0);
                }
            }
            assertThat(tokenizer.cachedWords()).isLessThanOrEqualTo(ClipBpeTokenizer.CACHE_CAPACITY);
            assertThat(tokenizer.tokenize("a photo of a cat")).containsExactly("a</w>", "photo</w>", "of</w>",
                    "a</w>", "cat</w>");
        }
    }

    /** A distinct word of letters for each number: 0 -> "a", 25 -> "z", 26 -> "ba"... */
    private static String letters(int n) {
        StringBuilder s = new StringBuilder();
        do {
            s.insert(0, (char) ('a' + n % 26));
            n /= 26;
        } while (n > 0);
        return s.toString();
    }

    /** vocab.json, merges.txt and tokenizer.json of one CLIP-format vocabulary. */
    static void writeClipTokenizer(Path dir) throws Exception {
        List<String> bytes = byteSymbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String b : bytes) {
            vocab.put(b, vocab.size());
        }
        for (String b : bytes) {
            vocab.put(b + "</w>", vocab.size());
        }
        for (String merge : MERGES) {
            String[] pair = merge.split(" ");
            assertThat(vocab).as(merge).containsKeys(pair[0], pair[1]);
            vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
        }
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n");

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("<|startoftext|>", "<|endoftext|>")) {
            added.addObject().put("id", vocab.get(special)).put("content", special).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "NFC");
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("Regex", "\\s+");
        replace.put("content", " ");
        normalizers.addObject().put("type", "Lowercase");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d"
                + "|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+");
        split.put("behavior", "Removed").put("invert", true);
        pres.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        ObjectNode post = root.putObject("post_processor").put("type", "RobertaProcessing");
        post.putArray("sep").add("<|endoftext|>").add(vocab.get("<|endoftext|>"));
        post.putArray("cls").add("<|startoftext|>").add(vocab.get("<|startoftext|>"));
        post.put("trim_offsets", false).put("add_prefix_space", false);
        root.putObject("decoder").put("type", "BPEDecoder").put("suffix", "</w>");
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout")
                .put("unk_token", "<|endoftext|>").put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "</w>").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode merges = model.putArray("merges");
        MERGES.forEach(merges::add);
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    /**
     * GPT-2's bytes_to_unicode values in its order: the printable bytes, standing for themselves, then the others
     * as 256 + k. CLIP's vocabulary starts with them, so "!" is 0 and "a</w>" is 256 + 64 = 320 as in CLIP.
     */
    private static List<String> byteSymbols() {
        List<String> printable = new ArrayList<>();
        List<String> others = new ArrayList<>();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) {
                printable.add(new String(Character.toChars(b)));
            } else {
                others.add(new String(Character.toChars(256 + n++)));
            }
        }
        printable.addAll(others);
        return printable;
    }
}
