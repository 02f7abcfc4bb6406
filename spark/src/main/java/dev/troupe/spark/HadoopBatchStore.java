package dev.troupe.spark;

import dev.troupe.batch.store.BatchStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A batch's files on whatever Hadoop's FileSystem reaches: {@code hdfs://}, {@code s3a://}, {@code file:} or a
 * plain local (or shared) path. Each file is written under a temporary name in its folder
 * ({@code .NAME.png.<random>.tmp}) and then renamed, so a task that dies, is retried or loses a speculative race
 * leaves at worst a temporary file, which the driver removes; a reader never sees half an output.
 *
 * <p>Local folders go through the raw local file system: the checksummed one would add a {@code .crc} file beside
 * every output, and the folder would no longer equal {@code troupe batch}'s.
 */
final class HadoopBatchStore implements BatchStore {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final FileSystem fs;

    private HadoopBatchStore(Path root, FileSystem fs) {
        this.root = root;
        this.fs = fs;
    }

    /** {@code outDir} as a URI with a scheme ({@code hdfs://nn/out}), or a local path (made absolute). */
    static HadoopBatchStore open(String outDir, Configuration conf) throws IOException {
        Path root = rootOf(outDir);
        FileSystem fs = root.getFileSystem(conf);
        if (fs instanceof ChecksumFileSystem checksummed) {
            fs = checksummed.getRawFileSystem();
        }
        return new HadoopBatchStore(fs.makeQualified(root), fs);
    }

    static Path rootOf(String outDir) {
        URI uri = URI.create(outDir.replace(" ", "%20"));
        if (uri.getScheme() != null && uri.getScheme().length() > 1) { // one letter: a Windows drive, not a scheme
            return new Path(outDir);
        }
        return new Path(java.nio.file.Path.of(outDir).toAbsolutePath().normalize().toUri());
    }

    @Override
    public byte[] read(String relative) throws IOException {
        Path file = new Path(root, relative);
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /**
     * Every file to its temporary first (a failure there deletes them and leaves the previous files alone), then
     * each renamed into place in order: the sidecar, last, appears only once the others are there.
     */
    @Override
    public void writeAll(Map<String, byte[]> files) throws IOException {
        Map<Path, Path> temporaries = new LinkedHashMap<>(); // target -> its temporary
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = new Path(root, file.getKey());
                Path folder = target.getParent();
                Path temp = new Path(folder, "." + target.getName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
                fs.mkdirs(folder);
                temporaries.put(target, temp);
                try (FSDataOutputStream out = fs.create(temp, false)) {
                    out.write(file.getValue());
                }
            }
            for (Iterator<Map.Entry<Path, Path>> it = temporaries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Path, Path> file = it.next();
                rename(file.getValue(), file.getKey());
                it.remove();
            }
        } finally {
            for (Path temp : temporaries.values()) {
                try {
                    fs.delete(temp, false);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one worth reporting
                }
            }
        }
    }

    private void rename(Path temp, Path target) throws IOException {
        // local and HDFS renames are atomic; HDFS refuses to replace, so an older file (a job redone on
        // resume, or the twin of a speculative task) is deleted first: for a moment absent, never partial
        boolean renamed = fs.rename(temp, target);
        if (!renamed && fs.exists(target)) {
            fs.delete(target, false);
            renamed = fs.rename(temp, target);
        }
        if (!renamed) {
            throw new IOException("could not rename " + temp + " to " + target);
        }
    }

    @Override
    public void removeTemporaries(String folder, Set<String> jobNames) throws IOException {
        Path dir = new Path(root, folder);
        FileStatus[] files;
        try {
            files = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return;
        }
        for (FileStatus f : files) {
            if (f.isFile() && BatchStore.isTemporaryOf(f.getPath().getName(), jobNames)) {
                fs.delete(f.getPath(), false);
            }
        }
    }

    @Override
    public String describe(String relative) {
        return new Path(root, relative).toString();
    }
}
