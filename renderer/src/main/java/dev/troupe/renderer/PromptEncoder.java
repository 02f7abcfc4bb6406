package dev.troupe.renderer;

import dev.troupe.renderer.model.ModelException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompts to what the UNet is conditioned on, with one text encoder (SD 1.x / 2.x) or two (SDXL).
 *
 * <p>SDXL, as diffusers' {@code StableDiffusionXLPipeline.encode_prompt}: each encoder tokenizes the prompt with its own
 * tokenizer and gives its penultimate layer's states; the two are concatenated along the last axis, the first
 * encoder's (CLIP ViT-L, 768) first, the second's (OpenCLIP bigG, 1280) after, so {@code states [B, 77, 2048]}; the
 * pooled {@code text_embeds [B, 1280]} are the second encoder's projection. When the model asks for it
 * ({@code force_zeros_for_empty_prompt}, SDXL's default), an empty negative prompt is all zeros, states and pooled,
 * instead of the encoding of "".
 */
public final class PromptEncoder {

    private final TextEncoder first;
    private final TextEncoder second;
    private final boolean zerosForEmptyNegative;

    /**
     * @param first                 the only encoder (SD 1.x / 2.x) or SDXL's {@code text_encoder}
     * @param second                SDXL's {@code text_encoder_2}, or null
     * @param zerosForEmptyNegative an empty negative prompt is zeros ({@code force_zeros_for_empty_prompt})
     */
    public PromptEncoder(TextEncoder first, TextEncoder second, boolean zerosForEmptyNegative) {
        if (second != null && second.length() != first.length()) {
            throw new ModelException("text_encoder takes " + first.length() + " tokens but text_encoder_2 takes "
                    + second.length() + ": the two encoders of an SDXL model must take the same length.");
        }
        if (second != null && second.pooledSize() == 0) {
            throw new ModelException("text_encoder_2 has no text_embeds output: SDXL's second encoder must be a "
                    + "CLIPTextModelWithProjection export (outputs text_embeds, last_hidden_state, hidden_states.N).");
        }
        this.first = first;
        this.second = second;
        this.zerosForEmptyNegative = zerosForEmptyNegative;
    }

    /** The same model's prompts through other sessions of its encoders (a LoRA set's own, merged ones). */
    public PromptEncoder with(TextEncoder first, TextEncoder second) {
        return first == this.first && second == this.second ? this
                : new PromptEncoder(first, second, zerosForEmptyNegative);
    }

    /** States and pooled embeddings of B prompts. */
    public PromptEmbeddings encode(List<String> prompts) {
        int n = prompts.size(), length = length();
        float[] a = first.encode(prompts);
        if (second == null) {
            return new PromptEmbeddings(n, length, first.hiddenSize(), a, 0, null);
        }
        TextEncoder.Output b = second.encodeWithPooled(prompts);
        int d1 = first.hiddenSize(), d2 = second.hiddenSize(), d = d1 + d2;
        float[] states = new float[n * length * d];
        for (int token = 0; token < n * length; token++) { // [B, L, d1] ++ [B, L, d2] on the last axis
            System.arraycopy(a, token * d1, states, token * d, d1);
            System.arraycopy(b.states(), token * d2, states, token * d + d1, d2);
        }
        return new PromptEmbeddings(n, length, d, states, second.pooledSize(), b.pooled());
    }

    /**
     * B prompts in one run of each encoder, the first {@code negatives} of them negative ones (zeros when empty and
     * the model asks for it: {@code force_zeros_for_empty_prompt}). A prompt that comes more than once (a scene's regions
     * share their negative prompt) is encoded once and copied; a zeroed negative is not run at all.
     */
    public PromptEmbeddings encode(List<String> prompts, int negatives) {
        int n = prompts.size();
        List<String> distinct = new ArrayList<>();
        Map<String, Integer> row = new HashMap<>();
        int[] source = new int[n]; // the row of `distinct` prompt i is, -1 for zeros
        for (int i = 0; i < n; i++) {
            String prompt = prompts.get(i);
            if (i < negatives && zerosForEmptyNegative && prompt.isEmpty()) {
                source[i] = -1;
                continue;
            }
            source[i] = row.computeIfAbsent(prompt, p -> {
                distinct.add(p);
                return distinct.size() - 1;
            });
        }
        if (distinct.size() == n) {
            return encode(prompts);
        }
        PromptEmbeddings run = distinct.isEmpty() ? null : encode(distinct);
        int stateSize = length() * hiddenSize(), pooled = pooledSize();
        float[] states = new float[n * stateSize];
        float[] pools = pooled == 0 ? null : new float[n * pooled];
        for (int i = 0; i < n; i++) {
            if (source[i] >= 0) {
                System.arraycopy(run.states(), source[i] * stateSize, states, i * stateSize, stateSize);
                if (pools != null) {
                    System.arraycopy(run.pooled(), source[i] * pooled, pools, i * pooled, pooled);
                }
            }
        }
        return new PromptEmbeddings(n, length(), hiddenSize(), states, pooled, pools);
    }

    /** L, tokens per prompt. */
    public int length() {
        return first.length();
    }

    /** D, the width of a token's state: the first encoder's, plus the second's for SDXL. */
    public int hiddenSize() {
        return first.hiddenSize() + (second == null ? 0 : second.hiddenSize());
    }

    /** P, the width of the pooled embeddings (0 without a second encoder). */
    public int pooledSize() {
        return second == null ? 0 : second.pooledSize();
    }

    public TextEncoder first() {
        return first;
    }

    /** SDXL's second encoder, or null. */
    public TextEncoder second() {
        return second;
    }

    public boolean zerosForEmptyNegative() {
        return zerosForEmptyNegative;
    }
}
