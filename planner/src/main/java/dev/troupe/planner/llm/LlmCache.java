package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.scene.AtomicFiles;
import dev.troupe.scene.FileErrors;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * LLM answers on disk, one small JSON file per exchange, named by the SHA-256 of everything that
 * decides the answer: provider, model, prompt version, system prompt, schema and the conversation
 * (which holds the request). A re-run of the same batch makes no calls. Files are written atomically;
 * they hold the model, the prompt version and the answer, never an API key.
 *
 * <p>The answers hold the users' requests, so the cache is private: folders 0700, files 0600 (entries an older
 * Troupe left readable are tightened when the cache is first written to). It is bounded: beyond
 * {@code maxBytes} the least recently used entries (by modification time; a hit touches its entry) are deleted
 * until three quarters of the bound remain. It is also best effort: when an answer cannot be written (a read-only
 * folder, a full disk) planning goes on, and the user is told once.
 */
final class LlmCache {

    /** The default bound: some ten thousand answers. */
    static final long DEFAULT_MAX_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<PosixFilePermission> OWNER_ONLY_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    private final long maxBytes;
    private final Consumer<String> notices;
    private boolean broken;       // a write failed: the user was told, and no more writes are tried
    private long bytes = -1;      // the entries' total size, counted on the first write

    LlmCache(Path dir, long maxBytes, Consumer<String> notices) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.notices = notices;
    }

    static String key(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** @return the cached answer, or null (also for an unreadable entry, which a new answer then replaces) */
    synchronized String get(String key) {
        Path file = file(key);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode entry = JSON.readTree(file.toFile());
            JsonNode answer = entry == null ? null : entry.get("answer");
            if (answer == null || !answer.isTextual()) {
                return null;
            }
            touch(file); // recently used: evicted last
            return answer.asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Keeps an answer; a failure to write is told once and otherwise ignored. */
    synchronized void put(String key, String model, String promptVersion, String task, String answer) {
        if (broken) {
            return;
        }
        ObjectNode entry = JSON.createObjectNode();
        entry.put("model", model);
        entry.put("promptVersion", promptVersion);
        entry.put("task", task);
        entry.put("answer", answer);
        byte[] text = (entry.toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8);
        Path file = file(key);
        try {
            privateFolder(dir);
            privateFolder(file.getParent());
            if (bytes < 0) {
                bytes = tidy();
            }
            long replaced = Files.isRegularFile(file) ? Files.size(file) : 0;
            AtomicFiles.writeOwnerOnly(file, text);
            bytes += text.length - replaced;
            if (bytes > maxBytes) {
                bytes = evict(maxBytes * 3 / 4);
            }
        } catch (IOException | UserInputException e) {
            broken = true;
            String reason = e instanceof IOException io ? FileErrors.reason(io) : e.getMessage();
            notices.accept("cannot keep LLM answers in " + dir + " (" + reason + "); planning goes on without the "
                    + "cache: choose a writable folder with --llm-cache DIR, or --llm-cache none");
        }
    }

    Path file(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".json");
    }

    /** Creates the folder as owner-only, or makes an existing cache shard folder owner-only. */
    private static void privateFolder(Path folder) throws IOException {
        if (!AtomicFiles.posix(folder)) {
            Files.createDirectories(folder);
            return;
        }
        if (!Files.isDirectory(folder)) {
            if (folder.getParent() != null) {
                Files.createDirectories(folder.getParent());
            }
            try {
                Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER));
            } catch (FileAlreadyExistsException raced) {
                // another process made it a moment ago; its permissions are tightened below if it is a shard
            }
        }
        if (isShard(folder.getFileName().toString())) {
            Files.setPosixFilePermissions(folder, OWNER_ONLY_FOLDER);
        }
    }

    private static boolean isShard(String name) {
        return name.matches("[0-9a-f]{2}");
    }

    private static boolean isEntry(Path file) {
        return file.getFileName().toString().matches("[0-9a-f]{64}\\.json") && isShard(file.getParent().getFileName().toString());
    }

    /** The entries' total size; entries and shard folders an older Troupe left readable are made owner-only. */
    private long tidy() throws IOException {
        long total = 0;
        for (Entry e : entries()) {
            total += e.size();
            if (AtomicFiles.posix(e.file())) {
                try {
                    Files.setPosixFilePermissions(e.file(), OWNER_ONLY_FILE);
                    Files.setPosixFilePermissions(e.file().getParent(), OWNER_ONLY_FOLDER);
                } catch (IOException notOurs) {
                    // another user's entry in a shared folder: theirs to tighten
                }
            }
        }
        return total;
    }

    /** Deletes the least recently used entries until at most {@code target} bytes remain; returns what remains. */
    private long evict(long target) throws IOException {
        List<Entry> entries = entries();
        entries.sort(Comparator.comparing(Entry::modified));
        long total = entries.stream().mapToLong(Entry::size).sum();
        for (Entry e : entries) {
            if (total <= target) {
                break;
            }
            Files.deleteIfExists(e.file());
            total -= e.size();
        }
        return total;
    }

    private record Entry(Path file, long size, FileTime modified) {
    }

    private List<Entry> entries() throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir, 2)) {
            for (Path f : files.filter(f -> f.getNameCount() > dir.getNameCount() + 1 && isEntry(f)).toList()) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        entries.add(new Entry(f, a.size(), a.lastModifiedTime()));
                    }
                } catch (IOException gone) {
                    // evicted by another process meanwhile
                }
            }
        }
        return entries;
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // a read-only cache still answers; its order of eviction is then by age of writing
        }
    }
}
