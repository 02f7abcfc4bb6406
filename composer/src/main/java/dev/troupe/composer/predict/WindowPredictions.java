package dev.troupe.composer.predict;

import dev.troupe.composer.window.LatentCanvas;
import dev.troupe.composer.window.WindowGroup;
import dev.troupe.composer.window.WindowPlan;
import dev.troupe.renderer.Guidance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/** The prediction stage of joint mode: one {@link GroupPrediction} per window group, its UNet tensors held open. */
public final class WindowPredictions implements AutoCloseable {
    private final List<GroupPrediction> groups = new ArrayList<>();

    /** @param maxBatch the batch cap for crops of so many latent pixels (h * w) */
    public WindowPredictions(WindowPlan windows, LatentCanvas canvas, EncodedPrompts prompts, Guidance guidance,
                             IntUnaryOperator maxBatch) {
        try {
            for (WindowGroup g : windows.groups()) {
                groups.add(new GroupPrediction(g, canvas, prompts, guidance,
                        maxBatch.applyAsInt(g.height() * g.width())));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public List<GroupPrediction> groups() {
        return groups;
    }

    /** UNet runs per step, over every group that runs at a step of this phase. */
    public int runsPerStep(boolean bootstrapping) {
        return groups.stream().filter(g -> g.group().runsAt(bootstrapping)).mapToInt(GroupPrediction::runs).sum();
    }

    /** Latent pixels the UNet processes per step, over every group that runs at a step of this phase. */
    public long pixelsPerStep(boolean bootstrapping) {
        return groups.stream().filter(g -> g.group().runsAt(bootstrapping)).mapToLong(GroupPrediction::pixels).sum();
    }

    @Override
    public void close() {
        groups.forEach(GroupPrediction::close);
    }
}
