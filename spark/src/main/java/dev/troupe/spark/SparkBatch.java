package dev.troupe.spark;

import dev.troupe.batch.command.BatchOptions;
import dev.troupe.batch.command.CommandErrors;
import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.manifest.Manifest;
import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.plan.Shard;
import dev.troupe.batch.report.BatchReport;
import dev.troupe.batch.run.BatchRunner;
import dev.troupe.batch.store.BatchStore;
import dev.troupe.scene.UserInputException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code spark-submit --class dev.troupe.spark.SparkBatch troupe-spark.jar MANIFEST OUTDIR [options]}: {@code troupe
 * batch} on a Spark cluster. The driver plans every job of the manifest once (batch quotas are shared out over the
 * whole manifest before anything is drawn) and sends the planned jobs to the executors as partitions; each executor
 * JVM builds one {@link ExecutorPipeline} and draws its jobs with {@code troupe batch}'s own runner, writing the same
 * files into OUTDIR through Hadoop's FileSystem. The driver then writes index, report, chart and contact sheet.
 */
@Command(name = "troupe-spark", mixinStandardHelpOptions = true,
        description = {"Plans every job of a manifest on the driver, draws them on the executors, and writes what "
                + "'troupe batch' writes: OUTDIR/scenes/NAME.{png,plan.json,boxes.png,json}, index.jsonl, report.json, "
                + "distributions.png and contact-sheet.png.",
                "OUTDIR is a local or shared path, or a Hadoop URI (hdfs://, s3a://). MANIFEST and model folders are "
                        + "read on the driver and executors respectively: give paths that exist there.",
                "Exit status: 0 all jobs done; 2 bad input, or some jobs were bad; 1 some jobs failed to draw."})
public final class SparkBatch implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "the jobs: a .jsonl or .yaml file on the driver")
    Path manifestFile;

    @Parameters(index = "1", paramLabel = "OUTDIR", description = "output folder: a path, or hdfs://..., s3a://...")
    String outDir;

    @Option(names = "--partitions", paramLabel = "N", description = "Spark partitions (tasks) for the jobs "
            + "(default: one per job, so that a retried task redoes one job)")
    Integer partitions;

    /** {@code troupe batch}'s own: --resume, --seed, the planner and render options. */
    @Mixin
    BatchOptions batch;

    private JavaSparkContext spark;
    private Map<String, String> environment;
    private List<String> args;
    private Run run;

    /** How a run ended, and which executor JVMs drew it with how many pipelines each. */
    public record Run(int exit, Map<String, Integer> pipelinesByExecutor) {
    }

    public static void main(String[] args) {
        SparkConf conf = new SparkConf().setAppName("troupe batch");
        // offline by default, on the executors as in the launcher (DJL would otherwise call home)
        conf.setIfMissing("spark.executorEnv.DJL_OFFLINE", "true");
        conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
        int exit;
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            exit = run(spark, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                    args).exit();
        }
        System.exit(exit);
    }

    /** Runs the batch on this Spark context; errors become one line on {@code err} and an exit status. */
    public static Run run(JavaSparkContext spark, Map<String, String> environment, PrintWriter out, PrintWriter err,
                          String... args) {
        SparkBatch command = new SparkBatch();
        command.spark = spark;
        command.environment = environment;
        command.args = List.of(args);
        int exit = CommandErrors.configure(new CommandLine(command), out, err).execute(args);
        out.flush();
        err.flush();
        return command.run != null ? new Run(exit, command.run.pipelinesByExecutor()) : new Run(exit, Map.of());
    }

    /** The runner the executors draw with: {@code troupe batch}'s, one worker per task. */
    BatchRunner runner(BatchStore store) {
        return batch.runner(store, 1, manifestFile);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (partitions != null && partitions < 1) {
            throw new UserInputException("--partitions must be at least 1, not " + partitions);
        }
        long start = System.nanoTime();
        BatchOptions.PlannedBatch batchPlan = batch.plan(manifestFile, environment, err);
        Manifest manifest = batchPlan.manifest();
        BatchPlanner.Result planned = batchPlan.planned();
        List<BatchPlanner.Planned> jobs = planned.jobs();

        Broadcast<SerializableConfiguration> hadoop = SerializableConfiguration.broadcast(spark.sc());
        BatchStore store;
        try {
            store = HadoopBatchStore.open(outDir, spark.hadoopConfiguration());
        } catch (IOException | IllegalArgumentException e) {
            throw new UserInputException("cannot open OUTDIR " + outDir + " (" + e.getMessage() + "); give a folder "
                    + "or a Hadoop URI such as hdfs://namenode/troupe/out");
        }
        List<String> names = jobs.stream().map(BatchPlanner.Planned::name).toList();
        BatchRunner.removeStaleTemporaries(store, names);

        List<SceneTask> tasks = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).ok()) {
                tasks.add(SceneTask.of(i, jobs.get(i)));
            }
        }
        ExecutorPipeline.Spec pipeline = new ExecutorPipeline.Spec(args, outDir, hadoop);
        List<SceneResult> results = tasks.isEmpty() ? List.of()
                : spark.parallelize(tasks, partitions != null ? Math.min(partitions, tasks.size()) : tasks.size())
                .mapPartitions(part -> draw(pipeline, part)).collect();
        // a task killed mid-write (a lost speculative race, a dead executor) may have left a temporary behind
        BatchRunner.removeStaleTemporaries(store, names);
        hadoop.destroy();

        SceneResult[] byIndex = new SceneResult[jobs.size()];
        Map<String, Integer> pipelines = new TreeMap<>();
        for (SceneResult r : results) {
            byIndex[r.index()] = r;
            pipelines.merge(r.executor(), r.pipelinesBuilt(), Math::max);
            if (SceneResult.OPTIONS.equals(r.stage())) {
                throw new UserInputException(r.error());
            }
        }
        run = new Run(ExitCodes.OK, pipelines);
        List<BatchRunner.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            BatchPlanner.Planned job = jobs.get(i);
            BatchRunner.Outcome outcome = job.ok() ? byIndex[i].drawn().of(job)
                    : BatchRunner.Outcome.unplanned(job);
            outcomes.add(outcome);
            if (!outcome.ok()) {
                err.println("troupe: job " + job.name() + " (manifest line " + job.entry().line() + ") failed at "
                        + outcome.stage() + ": " + outcome.error());
            }
        }

        List<BatchReport.Row> rows = BatchReport.rows(manifest.quotas(), planned.targets(), jobs, outcomes);
        List<String> written = BatchReport.write(store, Shard.ALL.suffix(), manifestFile.getFileName().toString(),
                Shard.ALL.toString(), outcomes, rows);
        long drawn = outcomes.stream().filter(o -> o.status() == BatchRunner.Status.RENDERED).count();
        long skipped = outcomes.stream().filter(o -> o.status() == BatchRunner.Status.SKIPPED).count();
        long failed = outcomes.stream().filter(o -> !o.ok()).count();
        double seconds = (System.nanoTime() - start) / 1e9;
        out.print(BatchReport.table(rows, true));
        out.printf(Locale.ROOT, "%d jobs: %d drawn, %d skipped (already complete), %d failed in %.1f s "
                        + "(%.1f scenes/min on %d executor JVM%s, %s); wrote %s and %s%n",
                outcomes.size(), drawn, skipped, failed, seconds, drawn * 60 / Math.max(1e-9, seconds),
                pipelines.size(), pipelines.size() == 1 ? "" : "s",
                pipelines.values().stream().allMatch(n -> n == 1) ? "one pipeline each" : "pipelines " + pipelines.values(),
                String.join(", ", written), store.describe(BatchRunner.SCENES + "/"));
        if (failed == 0) {
            return ExitCodes.OK;
        }
        err.printf(Locale.ROOT, "troupe: %d of %d jobs failed; see %s%n", failed, outcomes.size(),
                store.describe("report.json"));
        return BatchRunner.exitCode(outcomes);
    }

    /** One partition, on an executor: every job drawn by this JVM's pipeline; a failing job is recorded. */
    private static Iterator<SceneResult> draw(ExecutorPipeline.Spec pipeline, Iterator<SceneTask> tasks) throws IOException {
        ExecutorPipeline.Lease lease = ExecutorPipeline.get(pipeline);
        List<SceneResult> results = new ArrayList<>();
        while (tasks.hasNext()) {
            SceneTask task = tasks.next();
            BatchRunner.Drawn drawn;
            try {
                drawn = lease.runner().draw(task.scene());
            } catch (UserInputException e) {
                // the model refuses the render options: every job would, so the driver stops the run (exit 2)
                drawn = new BatchRunner.Drawn(BatchRunner.Status.FAILED, SceneResult.OPTIONS, e.getMessage(), false, null);
            }
            results.add(SceneResult.of(task.index(), drawn, ExecutorPipeline.JVM, lease.built()));
        }
        return results.iterator();
    }
}
