package dev.troupe.batch.command;

import dev.troupe.batch.manifest.Manifest;
import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.run.BatchRunner;
import dev.troupe.batch.store.BatchStore;
import dev.troupe.planner.PlanBuilder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * The options of a whole batch, the same for {@code troupe batch} and the Spark job: the batch seed, resume, the
 * planner and how to draw; and the two steps both take with them, planning the manifest on one machine (so that the
 * quotas are shared out over all of it) and building the runner that draws its jobs.
 */
public final class BatchOptions {

    @Option(names = "--resume", description = "skip jobs whose outputs are complete and match their recorded hashes; redo the rest")
    boolean resume;

    @Option(names = "--seed", description = "batch seed: jobs without a seed of their own draw theirs from it "
            + "(default: the manifest's seed, else 0)")
    Long seed;

    @Mixin
    PlannerOptions planner = new PlannerOptions();

    @Mixin
    RenderOptions rendering;

    /** A manifest with every job planned, and the batch seed the jobs without a seed of their own drew theirs from. */
    public record PlannedBatch(Manifest manifest, long seed, BatchPlanner.Result planned) {
    }

    /**
     * Reads the manifest and plans every job with the planner these options ask for (saying on {@code err} which, as
     * {@link PlannerOptions#planBuilder} does), with the batch seed: {@code --seed}, else the manifest's, else 0.
     */
    public PlannedBatch plan(Path manifestFile, Map<String, String> environment, PrintWriter err) {
        PlanBuilder builder = planner.planBuilder(environment, err);
        Manifest manifest = Manifest.read(manifestFile, builder.lexicon());
        long batchSeed = seed != null ? seed : manifest.seed() != null ? manifest.seed() : 0L;
        return new PlannedBatch(manifest, batchSeed, new BatchPlanner(builder).plan(manifest, batchSeed));
    }

    /**
     * The runner the jobs are drawn with: the models the render options name (a plan's model beside the manifest),
     * their settings, {@code --resume}. {@code troupe batch} builds one; the Spark job builds the same in each executor
     * JVM.
     */
    public BatchRunner runner(BatchStore store, int workers, Path manifestFile) {
        ModelOptions model = rendering.model();
        return new BatchRunner(store, workers, resume, TroupeVersion.line(), model.sessions(rendering.verbose()),
                plan -> model.resolve(plan.model(), manifestFile), rendering::settings, rendering::memoryAvailable,
                rendering.verify());
    }

    /** {@code -q}: no progress. */
    public boolean quiet() {
        return rendering.quiet();
    }
}
