package dev.troupe.scene;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Map;

/** File problems in a user's words: no Java class names, no bare paths standing for a reason. */
public final class FileErrors {

    private FileErrors() {
    }

    /** The words for the failures Java names by class; these classes are disjoint. */
    private static final Map<Class<? extends IOException>, String> REASONS = Map.of(
            AccessDeniedException.class, "permission denied",
            NoSuchFileException.class, "no such file or folder",
            FileAlreadyExistsException.class, "it already exists",
            DirectoryNotEmptyException.class, "a folder is in the way",
            NotDirectoryException.class, "a file is in the way of a folder",
            CharacterCodingException.class, "it is not UTF-8 text");

    /** Why an I/O operation failed, e.g. "permission denied", "No space left on device". */
    public static String reason(IOException e) {
        for (Map.Entry<Class<? extends IOException>, String> r : REASONS.entrySet()) {
            if (r.getKey().isInstance(e)) {
                return r.getValue();
            }
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason(); // the operating system's words: "No space left on device", "Is a directory"
        }
        return e.getMessage() == null ? "input/output error" : e.getMessage();
    }

    /**
     * What is at {@code file} when it is not a regular file: "does not exist", "is a folder" or "is not a regular
     * file (a device, pipe or socket)"; null for a regular file.
     */
    public static String notARegularFile(Path file) {
        if (Files.isRegularFile(file)) {
            return null;
        }
        if (!Files.exists(file)) {
            return "does not exist";
        }
        return Files.isDirectory(file) ? "is a folder, not a file" : "is not a regular file (a device, pipe or socket)";
    }

    /**
     * The text of an input file (a plan, a manifest, a config file) of at most {@code maxBytes}, as UTF-8. A regular
     * file is measured first; anything else that is not a folder ({@code /dev/null}, a pipe) is read up to the bound,
     * so that {@code /dev/zero} cannot be read until memory runs out.
     *
     * @param what the file's role in messages, e.g. "plan file"
     * @throws UserInputException naming the file and the problem
     */
    public static String readText(Path file, String what, long maxBytes) {
        if (!Files.exists(file)) {
            throw new UserInputException(what + " " + file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new UserInputException(what + " " + file + " is a folder, not a file");
        }
        String most = maxBytes / 1_000_000 + " MB";
        try {
            if (Files.isRegularFile(file) && Files.size(file) > maxBytes) {
                throw new UserInputException(String.format(java.util.Locale.ROOT, "%s %s is %.1f MB; at most %s are "
                        + "read", what, file, Files.size(file) / 1e6, most));
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
            if (bytes.length > maxBytes) {
                throw new UserInputException(what + " " + file + " is not a regular file and gives more than " + most
                        + " (a device such as /dev/zero?); give a file");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IOException e) {
            throw new UserInputException("cannot read " + what + " " + file + " (" + reason(e) + ")", e);
        }
    }
}
