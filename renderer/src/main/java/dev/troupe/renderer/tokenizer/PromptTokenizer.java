package dev.troupe.renderer.tokenizer;

/**
 * Turns a prompt into the fixed-length id sequence a CLIP-style text encoder expects:
 * BOS, the prompt's tokens (truncated), EOS, then padding up to {@link #length()}.
 */
public interface PromptTokenizer extends AutoCloseable {

    /** Exactly {@link #length()} ids. */
    int[] encode(String prompt);

    /** The encoder's sequence length (77 for SD). */
    int length();

    /** A short description for {@code troupe models info}, e.g. "CLIP BPE (vocab.json + merges.txt), 49408 tokens". */
    String description();

    @Override
    void close();
}
