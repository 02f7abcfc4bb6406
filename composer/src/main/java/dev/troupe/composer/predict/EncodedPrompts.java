package dev.troupe.composer.predict;

import dev.troupe.composer.window.PromptWindow;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.TextEncoder;
import dev.troupe.scene.ScenePlan;

import java.util.List;

/**
 * The text encoder's states for every prompt of a scene ({@link ScenePrompts}), each {@code [L, D]}: the positive
 * prompts, and with guidance the negative ones. A region whose LoRA set changes the text encoder has its two prompts
 * encoded by that set's encoder, so its LoRA does not leak into the other prompts.
 */
public final class EncodedPrompts {
    private final Guidance guidance;
    private final float[] negative; // [prompts, L, D]; null without guidance
    private final float[] positive; // [prompts, L, D]
    private final int length;
    private final int hidden;

    private EncodedPrompts(Guidance guidance, float[] negative, float[] positive, int length, int hidden) {
        this.guidance = guidance;
        this.negative = negative;
        this.positive = positive;
        this.length = length;
        this.hidden = hidden;
    }

    /** @param regionEncoders per region, its LoRA set's own text encoder, or null for the model's */
    public static EncodedPrompts encode(ScenePlan plan, TextEncoder text, List<TextEncoder> regionEncoders,
                                        Guidance guidance) {
        List<String> positives = ScenePrompts.positive(plan);
        List<String> negatives = ScenePrompts.negative(plan);
        int states = text.length() * text.hiddenSize();
        float[] uncond = guidance.active() ? text.encode(negatives) : null;
        float[] cond = text.encode(positives);
        for (int i = 0; i < regionEncoders.size(); i++) {
            TextEncoder own = regionEncoders.get(i);
            if (own != null) {
                System.arraycopy(own.encode(List.of(positives.get(i + 1))), 0, cond, (i + 1) * states, states);
                if (guidance.active()) {
                    System.arraycopy(own.encode(List.of(negatives.get(i + 1))), 0, uncond, (i + 1) * states, states);
                }
            }
        }
        return new EncodedPrompts(guidance, uncond, cond, text.length(), text.hiddenSize());
    }

    /** L, tokens per prompt. */
    public int length() {
        return length;
    }

    /** D, the width of a token's state. */
    public int hidden() {
        return hidden;
    }

    /**
     * {@code encoder_hidden_states [copies * k, L, D]} for k windows, as a {@link dev.troupe.renderer.GuidedBatch}
     * takes them: the windows' negative prompts, then their positive ones.
     */
    public float[] context(List<PromptWindow> windows) {
        int k = windows.size(), states = length * hidden;
        float[] context = new float[guidance.copies() * k * states];
        for (int j = 0; j < k; j++) {
            int p = windows.get(j).prompt();
            if (guidance.active()) {
                System.arraycopy(negative, p * states, context, j * states, states);
                System.arraycopy(positive, p * states, context, (k + j) * states, states);
            } else {
                System.arraycopy(positive, p * states, context, j * states, states);
            }
        }
        return context;
    }
}
