package dev.troupe.composer.predict;

import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.PromptWindow;
import dev.troupe.composer.window.WindowGroup;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.GuidedBatch;

import java.util.List;

/**
 * One window group's predictions at each step: every window's crop of the canvas input, bootstrapped where that
 * applies, through one {@link GuidedBatch} (the group's UNet session, in slices of at most the batch cap).
 * Tensors: the canvas input {@code [C, H, W]}; the group's predictions {@code [k, C, h, w]}.
 */
public final class GroupPrediction implements AutoCloseable {
    private final WindowGroup group;
    private final LatentCanvas canvas;
    private final GuidedBatch batch;
    private final int crop;

    /** @param maxBatch the most samples one UNet run takes (a guided window counts twice) */
    public GroupPrediction(WindowGroup group, LatentCanvas canvas, EncodedPrompts prompts, Guidance guidance,
                           int maxBatch) {
        this.group = group;
        this.canvas = canvas;
        this.crop = canvas.channels() * group.height() * group.width();
        this.batch = new GuidedBatch(group.unet(), guidance, group.windows().size(), canvas.channels(), group.height(),
                group.width(), prompts.context(group.windows(), canvas), maxBatch);
    }

    public WindowGroup group() {
        return group;
    }

    /**
     * The guided predictions {@code [k, C, h, w]} of the group's windows for the canvas {@code input} at this step,
     * in a buffer reused at the next step.
     *
     * @param bootstrap regions' crops are bootstrapped with it; null when this step is not bootstrapped
     */
    public float[] predict(float[] input, int step, double timestep, Bootstrap bootstrap) {
        float[] crops = batch.input();
        List<PromptWindow> windows = group.windows();
        for (int j = 0; j < windows.size(); j++) {
            PromptWindow w = windows.get(j);
            w.window().crop(input, canvas.channels(), canvas.height(), canvas.width(), crops, j * crop);
            if (bootstrap != null && !w.background()) {
                bootstrap.apply(timestep, step, crops, j * crop, w);
            }
        }
        return batch.predict(timestep);
    }

    /** UNet runs per step. */
    public int runs() {
        return batch.runs();
    }

    /** Latent pixels the UNet processes per step: every sample of the batch, negative prompts included. */
    public long pixels() {
        return (long) batch.samples() * group.height() * group.width();
    }

    @Override
    public void close() {
        batch.close();
    }
}
