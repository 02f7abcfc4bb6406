package dev.troupe.batch.store;

import dev.troupe.scene.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** A batch's files in a local folder, written through {@link AtomicFiles}. */
public final class LocalBatchStore implements BatchStore {

    private final Path outDir;

    public LocalBatchStore(Path outDir) {
        this.outDir = outDir;
    }

    @Override
    public byte[] read(String relative) throws IOException {
        Path file = outDir.resolve(relative);
        return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
    }

    @Override
    public void writeAll(Map<String, byte[]> files) {
        Map<Path, byte[]> absolute = new LinkedHashMap<>();
        files.forEach((relative, bytes) -> absolute.put(outDir.resolve(relative), bytes));
        AtomicFiles.writeAll(absolute);
    }

    @Override
    public void removeTemporaries(String folder, Set<String> jobNames) throws IOException {
        Path dir = outDir.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (BatchStore.isTemporaryOf(p.getFileName().toString(), jobNames)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Override
    public String describe(String relative) {
        return outDir.resolve(relative).toString();
    }
}
