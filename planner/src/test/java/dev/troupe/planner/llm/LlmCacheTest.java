package dev.troupe.planner.llm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The answer cache stays within its bound, dropping the least recently used answers first. */
class LlmCacheTest {

    @TempDir
    Path dir;

    private static String key(int i) {
        return LlmCache.key("answer", Integer.toString(i));
    }

    private long size() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void staysWithinItsBoundEvictingTheLeastRecentlyUsed() throws Exception {
        String answer = "x".repeat(900); // an entry is about 1 KB
        long bound = 10_000;
        List<String> notices = new ArrayList<>();
        LlmCache cache = new LlmCache(dir, bound, notices::add);
        for (int i = 0; i < 5; i++) {
            cache.put(key(i), "m", "v1", "task", answer);
            // distinct ages, older first, whatever the file system's clock resolution
            Files.setLastModifiedTime(cache.file(key(i)), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        assertThat(cache.get(key(0))).isEqualTo(answer); // a hit: 0 becomes the most recently used
        for (int i = 5; i < 40; i++) {
            cache.put(key(i), "m", "v1", "task", answer);
        }
        assertThat(size()).isLessThanOrEqualTo(bound);
        assertThat(cache.get(key(39))).isEqualTo(answer);
        assertThat(cache.get(key(1))).isNull(); // the oldest unused answers went first
        assertThat(notices).isEmpty();

        // a second process over the same folder counts what is there before adding
        LlmCache again = new LlmCache(dir, bound, notices::add);
        for (int i = 40; i < 50; i++) {
            again.put(key(i), "m", "v1", "task", answer);
        }
        assertThat(size()).isLessThanOrEqualTo(bound);
    }

    @Test
    void entriesAnOlderTroupeLeftReadableAreMadeOwnerOnly() throws Exception {
        String k = key(1);
        Path legacy = dir.resolve(k.substring(0, 2)).resolve(k + ".json");
        Files.createDirectories(legacy.getParent());
        Files.writeString(legacy, "{\"answer\": \"old\"}");
        Files.setPosixFilePermissions(legacy, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(legacy.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        new LlmCache(dir, 1 << 20, n -> { }).put(key(2), "m", "v1", "task", "new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(legacy))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(legacy.getParent()))).isEqualTo("rwx------");
    }
}
