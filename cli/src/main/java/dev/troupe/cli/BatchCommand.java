package dev.troupe.cli;

import dev.troupe.cli.batch.BatchPlanner;
import dev.troupe.cli.batch.BatchProgress;
import dev.troupe.cli.batch.BatchReport;
import dev.troupe.cli.batch.BatchRunner;
import dev.troupe.cli.batch.LocalBatchStore;
import dev.troupe.cli.batch.Manifest;
import dev.troupe.cli.batch.Shard;
import dev.troupe.planner.PlanBuilder;
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

/** {@code troupe batch MANIFEST -o OUTDIR}: many scenes from a manifest, with batch-wide attribute quotas. */
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

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "the jobs: a .jsonl or .yaml file")
    Path manifestFile;

    @Option(names = {"-o", "--output"}, paramLabel = "OUTDIR", description = "output folder (not needed for --dry-run)")
    Path outDir;

    @Option(names = "--workers", defaultValue = "1", description = "jobs drawn at once, sharing each model (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--shard", paramLabel = "i/n", description = "draw only part i of n (0-based), e.g. --shard 0/4; "
            + "quotas still hold over the whole manifest")
    String shard;

    @Option(names = "--resume", description = "skip jobs whose outputs are complete and match their recorded hashes; redo the rest")
    boolean resume;

    @Option(names = "--dry-run", description = "plan every job and print the quota table; draw nothing, write nothing")
    boolean dryRun;

    @Option(names = "--seed", description = "batch seed: jobs without a seed of their own draw theirs from it "
            + "(default: the manifest's seed, else 0)")
    Long seed;

    @Mixin
    PlannerOptions planner = new PlannerOptions();

    @Mixin
    RenderOptions rendering;

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
        PlanBuilder builder = planner.planBuilder(main.environment(), err);
        Manifest manifest = Manifest.read(manifestFile, builder.lexicon());
        long batchSeed = seed != null ? seed : manifest.seed() != null ? manifest.seed() : 0L;
        BatchPlanner.Result planned = new BatchPlanner(builder).plan(manifest, batchSeed);
        List<BatchPlanner.Planned> mine = part.select(planned.jobs());

        if (dryRun) {
            int subjects = planned.jobs().stream().filter(BatchPlanner.Planned::ok)
                    .mapToInt(p -> p.plan().regions().size()).sum();
            long bad = planned.jobs().stream().filter(p -> !p.ok()).count();
            out.printf(Locale.ROOT, "%d jobs, %d subjects, %d failed to plan; batch seed %d%s%n",
                    planned.jobs().size(), subjects, bad, batchSeed,
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
        BatchRunner runner = rendering.batchRunner(store, workers, resume, manifestFile);
        BatchProgress progress = new BatchProgress(err, !rendering.quiet && System.console() != null, mine.size());
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
