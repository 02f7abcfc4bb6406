package dev.troupe.scene;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes output files so that a reader never sees half of one: the bytes go to a temporary file in
 * the same folder (same file system, so the rename is atomic), which then replaces the target.
 *
 * <p>{@link #writeAll} does the same for a set of files that belong together (an image, its plan and its
 * overlay): every file is written to its temporary first, and only then are they renamed into place, in order.
 * A failure while writing leaves the previous set (or nothing) as it was; a failure while renaming puts back the
 * files already replaced (their previous versions are kept as hard links until the set is in place). Only a kill
 * during the renames (a few system calls) can leave the first files of the set new and the others old, plus
 * hidden {@code .NAME.<hex>.tmp} files beside them.
 */
public final class AtomicFiles {

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private AtomicFiles() {
    }

    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path target, byte[] bytes) {
        writeAll(Map.of(target, bytes));
    }

    /** As {@link #write}, readable and writable by the owner only (0600 where the file system has POSIX modes). */
    public static void writeOwnerOnly(Path target, byte[] bytes) {
        writeAll(Map.of(target, bytes), true);
    }

    /**
     * Writes every file of {@code files} as one unit, renaming them into place in the map's order (put the file
     * that completes the set last: a sidecar, or the image).
     *
     * @throws UserInputException naming the file that could not be written, after restoring the previous set
     */
    public static void writeAll(Map<Path, byte[]> files) {
        writeAll(files, false);
    }

    private static void writeAll(Map<Path, byte[]> files, boolean ownerOnly) {
        if (files.isEmpty()) {
            return;
        }
        List<Path> targets = new ArrayList<>();
        files.keySet().forEach(t -> targets.add(t.toAbsolutePath()));
        List<byte[]> contents = new ArrayList<>(files.values());
        Map<Path, Path> temporaries = new LinkedHashMap<>();
        Map<Path, Path> previous = new LinkedHashMap<>(); // target -> hard link to the version it replaces
        List<Path> existed = new ArrayList<>();
        List<Path> renamed = new ArrayList<>();
        Path current = targets.get(0);
        try {
            for (int i = 0; i < targets.size(); i++) {
                current = targets.get(i);
                Files.createDirectories(current.getParent());
                // not createTempFile: its owner-only permissions would stick to the output; this honours the umask
                Path temp = temporary(current);
                temporaries.put(current, temp);
                if (ownerOnly && posix(temp)) {
                    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.write(temp, contents.get(i), StandardOpenOption.WRITE);
                } else {
                    Files.write(temp, contents.get(i), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                }
            }
            for (Path target : targets) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    existed.add(target);
                }
                if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Path link = temporary(target);
                        Files.createLink(link, target);
                        previous.put(target, link);
                    } catch (IOException | UnsupportedOperationException e) {
                        // no hard links here: this file cannot be put back if a later rename fails
                    }
                }
            }
            for (Path target : targets) {
                current = target;
                move(temporaries.get(target), target);
                temporaries.remove(target);
                renamed.add(target);
            }
        } catch (IOException e) {
            restore(renamed, previous, existed);
            throw new UserInputException("cannot write " + current + " (" + FileErrors.reason(e)
                    + "); choose a folder you can write to", e);
        } finally {
            for (Path leftover : temporaries.values()) {
                deleteQuietly(leftover);
            }
            for (Path link : previous.values()) {
                deleteQuietly(link);
            }
        }
    }

    /** Whether the file system of {@code file} has POSIX permissions. */
    public static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static Path temporary(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Undoes the renames done so far: the previous version back where there was one, else no file. */
    private static void restore(List<Path> renamed, Map<Path, Path> previous, List<Path> existed) {
        for (Path target : renamed) {
            try {
                Path link = previous.remove(target);
                if (link != null) {
                    move(link, target);
                } else if (!existed.contains(target)) {
                    Files.deleteIfExists(target);
                }
            } catch (IOException ignored) {
                // the write already failed; that error is the one worth reporting
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temporary is removed by the next batch run over this folder, or harmlessly stays hidden
        }
    }
}
