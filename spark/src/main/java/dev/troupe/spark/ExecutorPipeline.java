package dev.troupe.spark;

import dev.troupe.batch.run.BatchRunner;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import picocli.CommandLine;

import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The renderer of one executor JVM: built lazily by the first task that needs it, then shared by every task the
 * JVM runs (concurrently when the executor has several cores), so the model's ONNX sessions are created once per
 * executor, never per task and never on the driver. It is {@code troupe batch}'s own {@link BatchRunner}, built
 * from the same command line by the same code ({@code BatchOptions.runner}).
 */
final class ExecutorPipeline {

    /** This JVM, as {@code pid@host}. */
    static final String JVM = ManagementFactory.getRuntimeMXBean().getName();

    /** What a pipeline is built from: the job's command line, OUTDIR, and the driver's Hadoop configuration. */
    record Spec(List<String> args, String outDir, Broadcast<SerializableConfiguration> hadoop) implements Serializable {
    }

    /** The pipeline, and how many this JVM has built (1 unless the JVM served several runs, as in local mode). */
    record Lease(BatchRunner runner, int built) {
    }

    private static Spec current;
    private static BatchRunner runner;
    private static int built;

    private ExecutorPipeline() {
    }

    static synchronized Lease get(Spec spec) throws IOException {
        if (runner == null || !same(current, spec)) {
            if (runner != null) {
                runner.close(); // another run in this JVM (local mode, tests): its models are no longer wanted
            }
            SparkBatch command = new SparkBatch();
            new CommandLine(command).parseArgs(spec.args().toArray(String[]::new));
            runner = command.runner(HadoopBatchStore.open(spec.outDir(), spec.hadoop().value().value()));
            current = spec;
            built++;
        }
        return new Lease(runner, built);
    }

    /** Pipelines built in this JVM so far. */
    static synchronized int built() {
        return built;
    }

    private static boolean same(Spec a, Spec b) {
        return a.args().equals(b.args()) && a.outDir().equals(b.outDir()) && a.hadoop().id() == b.hadoop().id();
    }
}
