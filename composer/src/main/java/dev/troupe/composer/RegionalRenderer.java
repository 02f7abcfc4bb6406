package dev.troupe.composer;

import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.NonFiniteException;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.onnx.NativeMemory;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Draws a {@link ScenePlan}: every subject from its own prompt inside its own box, on one canvas.
 *
 * <p><b>Joint mode</b> (default), per denoising step:
 * <ol>
 *   <li>the background prompt runs over the canvas, in overlapping tiles of the model's native size, reduced to
 *       what the regions leave uncovered ({@link Settings#trimBackground()});</li>
 *   <li>each region's prompt runs on the crop of its box plus a context margin (so a region costs in proportion
 *       to its area), crops of equal size batched together, with the negative prompts in the same batch;</li>
 *   <li>the guided predictions are fused with per-region weights (1 in the box, feathered to 0 over the margin,
 *       the background weighted by {@link Settings#backgroundWeight()} everywhere);</li>
 *   <li>the scheduler steps once for the whole canvas.</li>
 * </ol>
 * For the first {@link Settings#bootstrapFraction()} of the steps each region sees a plain noised colour around
 * its box instead of the canvas (MultiDiffusion's bootstrapping), so that its subject is drawn inside the box.
 * A region's initial noise comes from its own seed: changing one subject leaves the others' noise as it was.
 *
 * <p><b>Composite mode</b>: the background and each region are rendered on their own, then blended in pixels
 * (Laplacian pyramid over a feathered mask, or plain feathered alpha).
 *
 * <p><b>Per-region LoRAs</b> ({@link Region#loras()}, on top of the model's global ones): a region's crop runs
 * through the UNet of its own LoRA set (from {@link LoraSessions}), and its prompts through that set's text encoder
 * when the set has text-encoder weights; windows are grouped by shape and set. The background tiles use the model's
 * own sessions, so a region's LoRA shapes that region's prediction only.
 *
 * <p>This class resolves each region's LoRA set, leases its sessions and hands the plan to {@link JointPass} or
 * {@link CompositePass}, which read top to bottom over the stages: {@code window/} (where the UNet runs),
 * {@code predict/} (batched, guided UNet calls and bootstrapping), {@code fusion/}, {@code decode/}, and for composite
 * mode {@code composite/} (pixel blends).
 */
public final class RegionalRenderer {

    public enum Mode { JOINT, COMPOSITE }

    public enum Blend { LAPLACIAN, ALPHA }

    /**
     * @param margin            context margin around each box in latent pixels; negative: half the box's
     *                          shorter side
     * @param backgroundWeight  weight of the background prediction where regions are (1 outside every region)
     * @param bootstrapFraction fraction of the first steps during which regions see a plain colour around the box
     * @param maxBatch          the most samples (crops, negative and positive prompts counted apart) one UNet run
     *                          takes in joint mode; 0: {@link StableDiffusionModel#defaultMaxBatch}. The image is the
     *                          same whatever the cap: only memory and speed change.
     * @param trimBackground    joint mode runs the background prompt only where the regions leave the canvas
     *                          uncovered (their weights adding up to less than 4 x the background weight), dropping it
     *                          where it would count a fifth or less; false: over every tile at every step, as
     *                          before. A plan without regions draws the same either way.
     */
    public record Settings(int steps, double guidance, dev.troupe.renderer.scheduler.Sampler sampler, Mode mode,
                           int margin, double backgroundWeight, double bootstrapFraction, Blend blend, int maxBatch,
                           boolean trimBackground) {
        public Settings {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1");
            }
            if (maxBatch < 0) {
                throw new IllegalArgumentException("the batch cap must be >= 1, or 0 for automatic");
            }
            if (!(backgroundWeight >= 0) || !(bootstrapFraction >= 0 && bootstrapFraction <= 1)) {
                throw new IllegalArgumentException("background weight must be >= 0 and bootstrap fraction in 0..1");
            }
        }

        /** With the background trimmed to what the regions leave uncovered (the default). */
        public Settings(int steps, double guidance, dev.troupe.renderer.scheduler.Sampler sampler, Mode mode,
                        int margin, double backgroundWeight, double bootstrapFraction, Blend blend, int maxBatch) {
            this(steps, guidance, sampler, mode, margin, backgroundWeight, bootstrapFraction, blend, maxBatch, true);
        }

        public Settings withTrimBackground(boolean trim) {
            return new Settings(steps, guidance, sampler, mode, margin, backgroundWeight, bootstrapFraction, blend,
                    maxBatch, trim);
        }
    }

    /** Told after each step of each pass. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, int step, int steps);
    }

    /**
     * @param unetWork      latent pixels the UNet processed, all steps and batches together
     * @param naiveUnetWork what running every prompt over the whole canvas would have cost, same tiling
     * @param unetBatchesPerStep UNet runs per denoising step (one per group of equal crops, more when capped)
     */
    public record Result(RgbImage image, long nanos, long sessionNanos, long unetWork, long naiveUnetWork,
                         int unetBatchesPerStep) {
    }

    private final StableDiffusionModel model;
    private final LoraSessions loras;
    private final Path loraBase;
    private final JointPass joint;
    private final CompositePass composite;

    /** Plan LoRAs are resolved against the working folder and their sessions kept for one render only. */
    public RegionalRenderer(StableDiffusionModel model) {
        this(model, null, Path.of(""));
    }

    /**
     * @param loras    sessions for regions' LoRA sets, kept across renders (null: built per render when needed)
     * @param loraBase the folder that relative LoRA paths in a plan are relative to (the plan file's folder)
     */
    public RegionalRenderer(StableDiffusionModel model, LoraSessions loras, Path loraBase) {
        this.model = model;
        this.loras = loras;
        this.loraBase = loraBase;
        this.joint = new JointPass(model);
        this.composite = new CompositePass(model, joint);
    }

    public Result render(ScenePlan plan, Settings s, Progress progress) {
        long start = System.nanoTime();
        long sessionStart = model.clock().nanos();
        List<LoraSet> sets = new ArrayList<>();
        for (Region r : plan.regions()) {
            sets.add(LoraSet.fromRefs(r.loras(), loraBase));
        }
        boolean anyLora = sets.stream().anyMatch(set -> !set.isEmpty());
        LoraSessions own = anyLora && loras == null ? new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES) : null;
        LoraSessions sessions = loras != null ? loras : own;
        Result r;
        try {
            if (s.mode() == Mode.JOINT || plan.regions().isEmpty()) {
                try (LoraSessions.Lease lease = anyLora ? sessions.lease(sets) : null) {
                    List<LoraSessions.Variant> variants = new ArrayList<>();
                    for (LoraSet set : sets) {
                        variants.add(lease == null ? null : lease.get(set));
                    }
                    r = joint.draw(plan, s, progress, variants);
                }
            } else {
                r = composite.draw(plan, s, progress, sets, sessions);
            }
        } catch (NonFiniteException e) {
            // name the LoRA files in play: they are the usual cause
            Set<Path> files = new LinkedHashSet<>();
            for (LoraSet set : sets) {
                set.entries().forEach(entry -> files.add(entry.file()));
            }
            model.loras().entries().forEach(entry -> files.add(entry.file()));
            throw files.isEmpty() ? e : new NonFiniteException(e.getMessage() + " (LoRA files in this render: "
                    + files.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")");
        } finally {
            if (own != null) {
                own.close();
            }
            // the render's tensors, however it ended (a cancelled one too): a studio serves for days
            NativeMemory.release();
        }
        return new Result(r.image(), System.nanoTime() - start, model.clock().nanos() - sessionStart,
                r.unetWork(), r.naiveUnetWork(), r.unetBatchesPerStep());
    }
}
