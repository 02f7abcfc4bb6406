package dev.troupe.renderer.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP tokenizer in pure Java, from a diffusers {@code tokenizer/} folder with {@code vocab.json} and
 * {@code merges.txt} (the layout of most SD 1.x / 2.x ONNX exports, which have no tokenizer.json).
 *
 * <p>Normalisation follows Hugging Face's CLIPTokenizerFast ({@code tokenizer.json} of the CLIP models): Unicode NFC,
 * every run of Unicode whitespace (U+00A0, U+2009, U+3000, U+2028 ... as well as ASCII) replaced by one space, then
 * lower case, code point by code point. The special tokens {@code <|startoftext|>} and {@code <|endoftext|>} in the
 * normalised text stand for themselves. CLIP's pattern splits the rest into words, numbers (one digit each) and
 * runs of other symbols; each piece's UTF-8 bytes are mapped to printable characters (GPT-2's byte table); the last
 * character gets the end-of-word suffix {@code </w>}; then adjacent symbols are merged, lowest merge rank first,
 * until no listed pair remains. Ids are BOS, tokens (truncated to length - 2), EOS, padding.
 *
 * <p>Thread-safe: one instance serves every worker of a model. Words already split are remembered in a bounded
 * cache (at most {@value #CACHE_CAPACITY} words; later words are split each time, as the Hugging Face library does).
 */
public final class ClipBpeTokenizer implements PromptTokenizer {

    static final String BOS = "<|startoftext|>";
    static final String EOS = "<|endoftext|>";
    /** Words remembered at most; a prompt vocabulary is far smaller, a hostile stream of new words is not. */
    static final int CACHE_CAPACITY = 10_000;
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPECIAL = Pattern.compile(Pattern.quote(BOS) + "|" + Pattern.quote(EOS));
    private static final Pattern PIECES = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String[] BYTE_TO_CHAR = byteTable();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int length;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    /**
     * @param padToken the padding token (EOS for SD 1.x, "!" for SD 2.x), or null for EOS
     */
    public ClipBpeTokenizer(Map<String, Integer> vocab, List<String> merges, String padToken, int length) {
        this.vocab = Map.copyOf(vocab);
        this.mergeRanks = new HashMap<>();
        for (String merge : merges) {
            mergeRanks.putIfAbsent(merge, mergeRanks.size());
        }
        this.bosId = require(BOS);
        this.eosId = require(EOS);
        this.padId = padToken == null || !vocab.containsKey(padToken) ? eosId : vocab.get(padToken);
        this.length = length;
    }

    /** Reads {@code vocab.json} and {@code merges.txt} from a tokenizer folder. */
    public static ClipBpeTokenizer load(Path folder, String padToken, int length) throws IOException {
        Map<String, Integer> vocab = new ObjectMapper().readValue(folder.resolve("vocab.json").toFile(),
                new TypeReference<LinkedHashMap<String, Integer>>() { });
        List<String> merges = new ArrayList<>();
        for (String line : Files.readAllLines(folder.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#version") && !line.isBlank()) {
                merges.add(line.strip());
            }
        }
        return new ClipBpeTokenizer(vocab, merges, padToken, length);
    }

    private int require(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("tokenizer/vocab.json has no " + token + " token: not a CLIP vocabulary");
        }
        return id;
    }

    /** The BPE tokens of a prompt, without BOS/EOS (e.g. "a cat" gives "a</w>", "cat</w>"). */
    public List<String> tokenize(String prompt) {
        String text = normalize(prompt);
        List<String> tokens = new ArrayList<>();
        Matcher special = SPECIAL.matcher(text);
        int from = 0;
        while (special.find()) {
            split(text.substring(from, special.start()), tokens);
            tokens.add(special.group());
            from = special.end();
        }
        split(text.substring(from), tokens);
        return tokens;
    }

    /** NFC, whitespace runs (Unicode's White_Space) to one space, lower case: CLIPTokenizerFast's normalizer. */
    static String normalize(String prompt) {
        String text = WHITESPACE.matcher(Normalizer.normalize(prompt, Normalizer.Form.NFC)).replaceAll(" ");
        StringBuilder lower = new StringBuilder(text.length());
        // Code point by code point, as the Rust library does (no context: a final capital sigma becomes σ, not ς).
        text.codePoints().forEach(cp -> lower.append(cp < 128 ? String.valueOf((char) Character.toLowerCase(cp))
                : new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)));
        return lower.toString();
    }

    private void split(String text, List<String> tokens) {
        Matcher m = PIECES.matcher(text);
        while (m.find()) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                mapped.append(BYTE_TO_CHAR[b & 0xff]);
            }
            String word = mapped.toString();
            List<String> pieces = cache.get(word);
            if (pieces == null) {
                pieces = bpe(word);
                if (cache.size() < CACHE_CAPACITY) {
                    cache.putIfAbsent(word, pieces);
                }
            }
            tokens.addAll(pieces);
        }
    }

    /** Words in the cache, never more than {@link #CACHE_CAPACITY}. */
    int cachedWords() {
        return cache.size();
    }

    @Override
    public int[] encode(String prompt) {
        int[] ids = new int[length];
        Arrays.fill(ids, padId);
        ids[0] = bosId;
        int n = 1;
        for (String token : tokenize(prompt)) {
            if (n == length - 1) {
                break;
            }
            // CLIP's byte table covers every byte, so a full vocabulary always has the token; a reduced one may not.
            ids[n++] = vocab.getOrDefault(token, eosId);
        }
        ids[n] = eosId;
        return ids;
    }

    private List<String> bpe(String word) {
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + "</w>");
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i < symbols.size() - 1; i++) {
                Integer rank = mergeRanks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            // Merge every occurrence of the best pair, left to right, as the reference implementation does.
            String left = symbols.get(best);
            String right = symbols.get(best + 1);
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i < symbols.size() - 1 && symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                    merged.add(left + right);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols.clear();
            symbols.addAll(merged);
        }
        return List.copyOf(symbols);
    }

    /** GPT-2's reversible byte-to-character table: printable bytes map to themselves, the rest to 256 + k. */
    private static String[] byteTable() {
        String[] table = new String[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = new String(Character.toChars(printable ? b : 256 + extra++));
        }
        return table;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public String description() {
        return "CLIP BPE (vocab.json + merges.txt), " + vocab.size() + " tokens, " + mergeRanks.size()
                + " merges, pad id " + padId;
    }

    @Override
    public void close() {
        // nothing native to free
    }
}
