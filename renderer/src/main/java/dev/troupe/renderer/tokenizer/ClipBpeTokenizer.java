package dev.troupe.renderer.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP tokenizer in pure Java, from a diffusers {@code tokenizer/} folder with {@code vocab.json} and
 * {@code merges.txt} (the layout of most SD 1.x / 2.x ONNX exports, which have no tokenizer.json).
 *
 * <p>Text is lower-cased and its whitespace collapsed; CLIP's pattern splits it into words, numbers (one digit
 * each) and runs of other symbols; each piece's UTF-8 bytes are mapped to printable characters (GPT-2's byte
 * table); the last character gets the end-of-word suffix {@code </w>}; then adjacent symbols are merged, lowest
 * merge rank first, until no listed pair remains. Ids are BOS, tokens (truncated to length - 2), EOS, padding.
 */
public final class ClipBpeTokenizer implements PromptTokenizer {

    static final String BOS = "<|startoftext|>";
    static final String EOS = "<|endoftext|>";
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final String[] BYTE_TO_CHAR = byteTable();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int length;
    private final Map<String, List<String>> cache = new HashMap<>();

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
        String text = prompt.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        Matcher m = PIECES.matcher(text);
        while (m.find()) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                mapped.append(BYTE_TO_CHAR[b & 0xff]);
            }
            tokens.addAll(cache.computeIfAbsent(mapped.toString(), this::bpe));
        }
        return tokens;
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
