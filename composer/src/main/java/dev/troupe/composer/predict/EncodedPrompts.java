package dev.troupe.composer.predict;

import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.RegionWindow;
import dev.troupe.renderer.Conditioning;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.MicroConditioning;
import dev.troupe.renderer.PromptEmbeddings;
import dev.troupe.renderer.PromptEncoder;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.List;

/**
 * The text encoders' output for every prompt of a scene ({@link ScenePrompts}), each {@code [L, D]} (and for SDXL a
 * pooled {@code [P]}): the positive prompts, and with guidance the negative ones. A region whose LoRA set changes a
 * text encoder has its two prompts encoded by that set's encoders, so its LoRA does not leak into the other prompts.
 */
public final class EncodedPrompts {
    private final Guidance guidance;
    /** [negatives, positives] with guidance (prompt p's negative at p, its positive at n + p), else the positives. */
    private final PromptEmbeddings prompts;
    private final int positives;

    private EncodedPrompts(Guidance guidance, PromptEmbeddings prompts, int positives) {
        this.guidance = guidance;
        this.prompts = prompts;
        this.positives = positives;
    }

    /**
     * The scene's prompts through one run of each text encoder, each distinct prompt once (regions usually share
     * their negative prompt); a region whose LoRA set has its own encoder has its two prompts run through that.
     *
     * @param regionEncoders per region, its LoRA set's own text encoders, or null for the model's
     */
    public static EncodedPrompts encode(ScenePlan plan, PromptEncoder text, List<PromptEncoder> regionEncoders,
                                        Guidance guidance) {
        List<String> positives = ScenePrompts.positive(plan);
        List<String> negatives = ScenePrompts.negative(plan);
        int n = positives.size();
        int offset = guidance.active() ? n : 0;
        List<String> all = new ArrayList<>();
        if (guidance.active()) {
            all.addAll(negatives);
        }
        all.addAll(positives);
        PromptEmbeddings encoded = text.encode(all, offset);
        for (int i = 0; i < regionEncoders.size(); i++) {
            PromptEncoder region = regionEncoders.get(i);
            if (region != null) {
                int p = i + 1;
                if (guidance.active()) {
                    PromptEmbeddings pair = region.encode(List.of(negatives.get(p), positives.get(p)), 1);
                    copy(pair, 0, encoded, p);
                    copy(pair, 1, encoded, offset + p);
                } else {
                    copy(region.encode(List.of(positives.get(p))), 0, encoded, p);
                }
            }
        }
        return new EncodedPrompts(guidance, encoded, offset);
    }

    /** Prompt {@code from} of {@code source} becomes prompt {@code index} of {@code to}. */
    private static void copy(PromptEmbeddings source, int from, PromptEmbeddings to, int index) {
        int states = to.stateSize();
        System.arraycopy(source.states(), from * states, to.states(), index * states, states);
        if (to.pooled() != null) {
            int pooled = to.pooledSize();
            System.arraycopy(source.pooled(), from * pooled, to.pooled(), index * pooled, pooled);
        }
    }

    /** L, tokens per prompt. */
    public int length() {
        return prompts.length();
    }

    /** D, the width of a token's state. */
    public int hidden() {
        return prompts.hidden();
    }

    /**
     * The conditioning of k windows of {@code canvas}, as a {@link dev.troupe.renderer.GuidedBatch} takes it: the
     * windows' negative prompts, then their positive ones. For SDXL each window is conditioned as the crop of the
     * canvas it is ({@link #microConditioning}).
     */
    public Conditioning context(List<PromptWindow> windows, LatentCanvas canvas) {
        int k = windows.size();
        Conditioning context = Conditioning.like(prompts, guidance.copies() * k);
        for (int j = 0; j < k; j++) {
            int p = windows.get(j).prompt();
            MicroConditioning micro = microConditioning(windows.get(j).window(), canvas);
            if (guidance.active()) {
                context.set(j, prompts, p, micro);
            }
            context.set(guidance.active() ? k + j : j, prompts, positives + p, micro);
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
