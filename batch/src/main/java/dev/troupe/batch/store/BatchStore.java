package dev.troupe.batch.store;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Where a batch's files live, by path relative to OUTDIR ({@code scenes/NAME.png}, {@code index.jsonl}): a local
 * folder ({@link LocalBatchStore}, {@code troupe batch}) or a Hadoop FileSystem (the spark module's store, for
 * {@code hdfs://}, {@code s3a://} and shared folders). Every write is all or nothing: a reader sees the old file,
 * or none, or the whole new one, never part of it.
 */
public interface BatchStore {

    /** The file's bytes, or null when there is no such file. */
    byte[] read(String relative) throws IOException;

    /** Writes the whole file under a temporary name in the same folder, then renames it over {@code relative}. */
    default void write(String relative, byte[] bytes) throws IOException {
        writeAll(Map.of(relative, bytes));
    }

    /**
     * Writes files that belong together (a job's image, plan, overlay and sidecar): all of them under temporary
     * names first, then each renamed over its target in the map's order, so that a failure while writing leaves
     * the previous files as they were, and the last file (the sidecar) appears only after the others.
     */
    void writeAll(Map<String, byte[]> files) throws IOException;

    /**
     * Deletes the temporary files ({@code .NAME.<anything>.tmp}) that a killed writer left in {@code folder} for
     * the given job names; other jobs' temporaries (another shard's, still being written) are left alone.
     */
    void removeTemporaries(String folder, Set<String> jobNames) throws IOException;

    /** The location of {@code relative} as a user would type it, for messages. */
    String describe(String relative);

    /** Whether {@code file} is a temporary file of one of {@code jobNames}: {@code .NAME.png.1a2b.tmp}. */
    static boolean isTemporaryOf(String file, Set<String> jobNames) {
        int dot = file.indexOf('.', 1);
        return file.startsWith(".") && file.endsWith(".tmp") && dot > 1 && jobNames.contains(file.substring(1, dot));
    }
}
