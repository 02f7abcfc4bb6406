package dev.troupe.batch.command;

import dev.troupe.batch.manifest.Manifest;
import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.plan.Shard;
import dev.troupe.batch.report.BatchReport;
import dev.troupe.batch.run.BatchProgress;
import dev.troupe.batch.run.BatchRunner;
import dev.troupe.batch.store.LocalBatchStore;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code troupe batch MANIFEST -o OUTDIR}: many scenes from a manifest, with batch-wide attribute quotas, drawn on this
 * machine. The batch module owns it (the app mounts it as a subcommand) so that it stands beside its sibling on Spark,
 * which shares its options ({@link BatchOptions}), and so that the Spark tests can run {@code troupe batch} itself
 * without depending on the app.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = {"Plans and draws every job of a manifest (JSONL: one job a line; or YAML: seed, quotas, "
                + "defaults, then jobs), so that the quotas hold over the whole batch.",
                "Writes OUTDIR/scenes/NAME.{png,plan.json,boxes.png,json}, OUTDIR/index.jsonl, report.json, "
                        + "distributions.png and contact-sheet.png.",
                "Exit status: 0 all jobs done; 2 bad input (options, manifest), or jobs whose request, plan, model or "
                        + "LoRA was bad; 1 jobs that failed for an internal reason (a bug, the machine)."})
public final class BatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** {@code troupe}, which hands down its environment; null when the command runs on its own (the Spark tests). */
    @ParentCommand
    CommandEnvironment parent;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "the jobs: a .jsonl or .yaml file")
    Path manifestFile;

    @Option(names = {"-o", "--output"}, paramLabel = "OUTDIR", description = "output folder (not needed for --dry-run)")
    Path outDir;

    @Option(names = "--workers", defaultValue = "1", description = "jobs drawn at once, sharing each model (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--shard", paramLabel = "i/n", description = "draw only part i of n (0-based), e.g. --shard 0/4; "
            + "quotas still hold over the whole manifest")
    String shard;

    @Option(names = "--dry-run", description = "plan every job and print the quota table; draw nothing, write nothing")
    boolean dryRun;

    @Mixin
    BatchOptions batch;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (workers < 1 || workers > 256) {
            throw new UserInputException("--workers must be between 1 and 256, not " + workers);
        }
        Shard part = shard == null ? Shard.ALL : Shard.parse(shard);
        if (!dryRun && outDir == null) {
            throw new UserInputException("batch needs an output folder: -o OUTDIR (or --dry-run to plan only)");
        }
        BatchOptions.PlannedBatch batchPlan = batch.plan(manifestFile,
                parent != null ? parent.environment() : System.getenv(), err);
        Manifest manifest = batchPlan.manifest();
        BatchPlanner.Result planned = batchPlan.planned();
        List<BatchPlanner.Planned> mine = part.select(planned.jobs());

        if (dryRun) {
            int subjects = planned.jobs().stream().filter(BatchPlanner.Planned::ok)
                    .mapToInt(p -> p.plan().regions().size()).sum();
            long bad = planned.jobs().stream().filter(p -> !p.ok()).count();
            out.printf(Locale.ROOT, "%d jobs, %d subjects, %d failed to plan; batch seed %d%s%n",
                    planned.jobs().size(), subjects, bad, batchPlan.seed(),
                    part.whole() ? "" : "; shard " + part + " has " + mine.size() + " jobs");
            for (BatchPlanner.Planned p : planned.jobs()) {
                if (!p.ok()) {
                    out.printf(Locale.ROOT, "  %s (line %d): %s%n", p.name(), p.entry().line(), p.error());
                }
            }
            out.print(BatchReport.table(BatchReport.rows(manifest.quotas(), planned.targets(), planned.jobs(), null), false));
            return bad == 0 ? ExitCodes.OK : ExitCodes.BAD_INPUT;
        }

        LocalBatchStore store = new LocalBatchStore(outDir);
        BatchRunner runner = batch.runner(store, workers, manifestFile);
        BatchProgress progress = new BatchProgress(err, !batch.quiet() && System.console() != null, mine.size());
        List<BatchRunner.Outcome> outcomes;
        try {
            outcomes = runner.run(mine, progress);
        } finally {
            progress.finish();
        }
        List<BatchReport.Row> rows = BatchReport.rows(manifest.quotas(), planned.targets(), planned.jobs(), outcomes);
        List<String> written = BatchReport.write(store, part.suffix(), manifestFile.getFileName().toString(),
                part.toString(), outcomes, rows);

        long failed = outcomes.stream().filter(o -> !o.ok()).count();
        long skipped = outcomes.stream().filter(o -> o.status() == BatchRunner.Status.SKIPPED).count();
        double seconds = progress.seconds();
        out.print(BatchReport.table(rows, true));
        out.printf(Locale.ROOT, "%d jobs%s: %d drawn, %d skipped (already complete), %d failed in %.1f s "
                        + "(%.1f scenes/min, %d worker%s); wrote %s and %s/scenes/%n",
                outcomes.size(), part.whole() ? "" : " (shard " + part + ")", progress.rendered(), skipped, failed,
                seconds, progress.rendered() * 60 / Math.max(1e-9, seconds), workers, workers == 1 ? "" : "s",
                String.join(", ", written), outDir);
        if (failed == 0) {
            return ExitCodes.OK;
        }
        err.printf(Locale.ROOT, "troupe: %d of %d jobs failed; see %s%n", failed, outcomes.size(),
                outDir.resolve("report" + part.suffix() + ".json"));
        return BatchRunner.exitCode(outcomes);
    }
}
