package dev.troupe.spark;

import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test: throughput of {@code troupe batch} in one JVM against SparkBatch on {@code local-cluster[2,1,1024]}
 * (two executor JVMs, one core each), on the same manifest and model, and whether the outputs are equal.
 * {@code java -cp <test class path> dev.troupe.spark.LocalClusterBench MODEL JOBS STEPS WORKDIR}, with SPARK_HOME,
 * SPARK_SCALA_VERSION=2.13 and SPARK_LOCAL_IP=127.0.0.1 set as surefire sets them.
 */
public final class LocalClusterBench {

    private LocalClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]).toAbsolutePath();
        int jobs = Integer.parseInt(args[1]);
        String steps = args[2];
        Path work = Path.of(args[3]).toAbsolutePath();
        Files.createDirectories(work);
        Path manifest = work.resolve("bench.yaml");
        Path warmup = work.resolve("warmup.yaml");
        Files.writeString(warmup, """
                defaults: {size: 128x64, count: 3}
                jobs:
                  - request: "chefs in a kitchen"
                    repeat: 4
                """);
        Files.writeString(manifest, """
                seed: 3
                quotas:
                  gender: {female: 1, male: 1}
                defaults:
                  size: 128x64
                  count: 3
                jobs:
                  - request: "office workers in an office"
                    repeat: %d
                """.formatted(jobs));
        List<String> common = List.of("--planner", "rules", "--steps", steps, "--model", model.toString());

        for (String[] batch : List.of(new String[]{"1", "2"}, new String[]{"2", "1"})) {
            Path out = work.resolve("batch-w" + batch[0]);
            List<String> options = new java.util.ArrayList<>(common);
            options.addAll(List.of("--workers", batch[0], "--threads", batch[1]));
            SparkBatchTest.batch(warmup, work.resolve("warm-" + out.getFileName()), options); // JIT, native libraries
            long t = System.nanoTime();
            SparkBatchTest.Output r = SparkBatchTest.batch(manifest, out, options);
            report("troupe batch, 1 JVM, " + batch[0] + " worker(s) x " + batch[1] + " ORT thread(s)", jobs, t, r.exit());
        }
        Path sparkOut = work.resolve("spark");
        List<String> options = new java.util.ArrayList<>(common);
        options.addAll(List.of("--threads", "1"));
        long t0 = System.nanoTime();
        try (JavaSparkContext spark = LocalSpark.localCluster(2)) {
            long t = System.nanoTime();
            SparkBatchTest.Output cold = SparkBatchTest.spark(spark, warmup, work.resolve("warm-spark"), options);
            report("spark warm-up (4 jobs): executor JVMs start, register, load the model", 4, t, cold.exit());
            t = System.nanoTime();
            SparkBatchTest.Output r = SparkBatchTest.spark(spark, manifest, sparkOut, options);
            report("spark local-cluster[2,1,1024], 1 ORT thread per executor (warm executors)", jobs, t, r.exit());
            System.out.println("  executors: " + r.run().pipelinesByExecutor());
        }
        report("spark, everything: cluster start, warm-up, run, stop", jobs + 4, t0, 0);
        for (String batch : List.of("batch-w1", "batch-w2")) {
            Map<String, byte[]> expected = LocalSpark.files(work.resolve(batch));
            Map<String, byte[]> actual = LocalSpark.files(sparkOut);
            System.out.printf(Locale.ROOT, "%s vs spark: %d files, same names %s, differing %s%n", batch, expected.size(),
                    expected.keySet().equals(actual.keySet()), LocalSpark.differing(expected, actual));
        }
    }

    private static void report(String what, int jobs, long start, int exit) {
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%-72s %6.1f s  %5.1f scenes/min  (exit %d)%n", what, s, jobs * 60 / s, exit);
    }
}
