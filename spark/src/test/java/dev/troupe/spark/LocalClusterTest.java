package dev.troupe.spark;

import dev.troupe.renderer.fixtures.SdFixture;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real executor JVMs ({@code local-cluster[2,1,1024]}): each builds exactly one pipeline, the driver none, and the
 * files equal those of {@code troupe batch} on the same manifest, byte for byte (sidecar timings apart).
 */
class LocalClusterTest {

    @TempDir
    Path dir;

    @Test
    void twoExecutorJvmsBuildOnePipelineEachAndWriteWhatTroupeBatchWrites() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd"), SdFixture.Variant.standard());
        Path manifest = SparkBatchTest.manifest(dir, "");
        int driverBuilds = ExecutorPipeline.built();

        SparkBatchTest.Output run;
        try (JavaSparkContext spark = LocalSpark.localCluster(2)) {
            run = SparkBatchTest.spark(spark, manifest, dir.resolve("spark"), SparkBatchTest.options(model));
        }
        assertThat(run.exit()).as(run.err()).isEqualTo(2); // the one bad job; the others drawn
        assertThat(run.out()).contains("6 jobs: 5 drawn").contains("on 2 executor JVMs, one pipeline each");
        Map<String, Integer> pipelines = run.run().pipelinesByExecutor();
        assertThat(pipelines).hasSize(2).doesNotContainKey(ExecutorPipeline.JVM);
        assertThat(pipelines.values()).containsOnly(1);
        assertThat(ExecutorPipeline.built()).as("pipelines built on the driver").isEqualTo(driverBuilds);

        SparkBatchTest.Output ref = SparkBatchTest.batch(manifest, dir.resolve("batch"), SparkBatchTest.options(model));
        assertThat(ref.exit()).isEqualTo(2);
        Map<String, byte[]> expected = LocalSpark.files(dir.resolve("batch"));
        Map<String, byte[]> actual = LocalSpark.files(dir.resolve("spark"));
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        assertThat(LocalSpark.differing(expected, actual)).as("files that differ").isEmpty();
    }
}
