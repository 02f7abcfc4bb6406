package dev.troupe.scene;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** File problems in a user's words: no Java class names, no bare paths standing for a reason. */
public final class FileErrors {

    private FileErrors() {
    }

    /** Why an I/O operation failed, e.g. "permission denied", "No space left on device". */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "a folder is in the way";
        }
        if (e instanceof NotDirectoryException) {
            return "a file is in the way of a folder";
        }
        if (e instanceof CharacterCodingException) {
            return "it is not UTF-8 text";
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
     * The text of an input file (a plan, a manifest), refusing anything but a regular file of at most
     * {@code maxBytes}: {@code /dev/zero} or a folder would otherwise be read until memory runs out.
     *
     * @param what the file's role in messages, e.g. "plan file"
     * @throws UserInputException naming the file and the problem
     */
    public static String readText(Path file, String what, long maxBytes) {
        String problem = notARegularFile(file);
        if (problem != null) {
            throw new UserInputException(what + " " + file + " " + problem);
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new UserInputException(String.format(java.util.Locale.ROOT, "%s %s is %.1f MB; a %s is at "
                        + "most %d MB", what, file, size / 1e6, what, maxBytes / 1_000_000));
            }
            return Files.readString(file);
        } catch (IOException e) {
            throw new UserInputException("cannot read " + what + " " + file + " (" + reason(e) + ")", e);
        }
    }
}
