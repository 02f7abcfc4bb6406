package dev.troupe.composer.predict;

import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.renderer.Conditioning;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.MicroConditioning;
import dev.troupe.renderer.PromptEmbeddings;
import dev.troupe.renderer.PromptEncoder;
import dev.troupe.renderer.TextEncoder;
import dev.troupe.scene.ScenePlan;

import java.util.List;

/**
 * The text encoders' output for every prompt of a scene ({@link ScenePrompts}), each {@code [L, D]} (and for SDXL a
 * pooled {@code [P]}): the positive prompts, and with guidance the negative ones. A region whose LoRA set changes the
 * text encoder has its two prompts encoded by that set's encoder, so its LoRA does not leak into the other prompts.
 */
public final class EncodedPrompts {
    private final Guidance guidance;
    private final PromptEmbeddings negative; // [prompts, L, D]; null without guidance
    private final PromptEmbeddings positive; // [prompts, L, D]

    private EncodedPrompts(Guidance guidance, PromptEmbeddings negative, PromptEmbeddings positive) {
        this.guidance = guidance;
        this.negative = negative;
        this.positive = positive;
    }

    /** @param regionEncoders per region, its LoRA set's own (first) text encoder, or null for the model's */
    public static EncodedPrompts encode(ScenePlan plan, PromptEncoder text, List<TextEncoder> regionEncoders,
                                        Guidance guidance) {
        List<String> positives = ScenePrompts.positive(plan);
        List<String> negatives = ScenePrompts.negative(plan);
        PromptEmbeddings uncond = guidance.active() ? text.encodeNegative(negatives) : null;
        PromptEmbeddings cond = text.encode(positives);
        for (int i = 0; i < regionEncoders.size(); i++) {
            TextEncoder own = regionEncoders.get(i);
            if (own != null) {
                PromptEncoder region = text.withFirst(own);
                copy(region.encode(List.of(positives.get(i + 1))), cond, i + 1);
                if (guidance.active()) {
                    copy(region.encodeNegative(List.of(negatives.get(i + 1))), uncond, i + 1);
                }
            }
        }
        return new EncodedPrompts(guidance, uncond, cond);
    }

    /** Prompt 0 of {@code from} becomes prompt {@code index} of {@code to}. */
    private static void copy(PromptEmbeddings from, PromptEmbeddings to, int index) {
        int states = to.stateSize();
        System.arraycopy(from.states(), 0, to.states(), index * states, states);
        if (to.pooled() != null) {
            System.arraycopy(from.pooled(), 0, to.pooled(), index * to.pooledSize(), to.pooledSize());
        }
    }

    /** L, tokens per prompt. */
    public int length() {
        return positive.length();
    }

    /** D, the width of a token's state. */
    public int hidden() {
        return positive.hidden();
    }

    /**
     * The conditioning of k windows of {@code canvas}, as a {@link dev.troupe.renderer.GuidedBatch} takes it: the
     * windows' negative prompts, then their positive ones. For SDXL each window is conditioned as the crop of the
     * canvas it is ({@link #microConditioning}).
     */
    public Conditioning context(List<PromptWindow> windows, LatentCanvas canvas) {
        int k = windows.size();
        Conditioning context = Conditioning.like(positive, guidance.copies() * k);
        for (int j = 0; j < k; j++) {
            int p = windows.get(j).prompt();
            MicroConditioning micro = microConditioning(windows.get(j).window(), canvas);
            if (guidance.active()) {
                context.set(j, negative, p, micro);
                context.set(k + j, positive, p, micro);
            } else {
                context.set(j, positive, p, micro);
            }
        }
        return context;
    }

    /**
     * SDXL's {@code time_ids} for a window: the canvas as drawn (its latent size times the VAE factor) is the
     * original picture, the window's top-left corner the crop's, and the window's size the target size, all in image
     * pixels. A window that is the whole canvas is an uncropped picture.
     */
    public static MicroConditioning microConditioning(RegionWindow window, LatentCanvas canvas) {
        int f = canvas.factor();
        return MicroConditioning.crop(canvas.width() * f, canvas.height() * f, window.x() * f, window.y() * f,
                window.width() * f, window.height() * f);
    }
}
