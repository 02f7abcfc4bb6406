package dev.troupe.spark;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The Hadoop FileSystem store on a local folder: whole files only, no checksum files, temporaries tidied. */
class HadoopBatchStoreTest {

    @TempDir
    Path dir;

    @Test
    void racingWritersOfOneFileLeaveOneWholeVersionAndNothingElse() throws Exception {
        HadoopBatchStore store = HadoopBatchStore.open(dir.toString(), new Configuration());
        // two "attempts" of the same task (a retry, a speculative twin) writing one output over and over
        byte[] a = new byte[200_000];
        byte[] b = new byte[150_000];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (byte[] bytes : List.of(a, b)) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        store.write("scenes/job.png", bytes);
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                int seen = 0;
                while (writing.get()) {
                    byte[] read = store.read("scenes/job.png");
                    if (read != null) {
                        assertThat(read).satisfiesAnyOf(r -> assertThat(r).isEqualTo(a), r -> assertThat(r).isEqualTo(b));
                        seen++;
                    }
                }
                return seen;
            });
            for (Future<?> w : writers) {
                w.get();
            }
            writing.set(false);
            assertThat(reader.get()).isPositive();
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> files = Files.list(dir.resolve("scenes"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("job.png");
        }
    }

    @Test
    void readsWhatItWroteFindsNothingWhereNothingIsAndTidiesOnlyTheNamedJobsTemporaries() throws Exception {
        HadoopBatchStore store = HadoopBatchStore.open("file:" + dir.toAbsolutePath(), new Configuration());
        assertThat(store.read("scenes/missing.json")).isNull();
        store.write("index.jsonl", "{}\n".getBytes());
        assertThat(Files.readString(dir.resolve("index.jsonl"))).isEqualTo("{}\n");
        Files.createDirectories(dir.resolve("scenes"));
        Files.writeString(dir.resolve("scenes/.mine.png.77.tmp"), "half");
        Files.writeString(dir.resolve("scenes/.other.png.78.tmp"), "another shard's, still being written");
        store.removeTemporaries("scenes", Set.of("mine"));
        try (Stream<Path> files = Files.list(dir.resolve("scenes"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(".other.png.78.tmp");
        }
        assertThat(store.describe("report.json")).isEqualTo("file:" + dir.toAbsolutePath() + "/report.json");
        assertThat(HadoopBatchStore.rootOf("hdfs://namenode:8020/troupe/out").toUri().getScheme()).isEqualTo("hdfs");
        assertThat(HadoopBatchStore.rootOf("s3a://bucket/out").toUri().getAuthority()).isEqualTo("bucket");
    }
}
