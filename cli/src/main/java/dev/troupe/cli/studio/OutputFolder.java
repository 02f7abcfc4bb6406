package dev.troupe.cli.studio;

import dev.troupe.batch.output.SceneOutputs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one folder the studio reads and writes through its API. Every name that comes from a request is a bare file
 * name of a fixed shape (no separators, no dots at the start), and the resolved file must still lie inside the
 * folder once links are followed, so no request can reach a file elsewhere.
 */
final class OutputFolder {

    /** A render's name: what comes before .png, .plan.json and .boxes.png. */
    static final Pattern RENDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern FILE_NAME = Pattern.compile("(" + RENDER_NAME.pattern() + ")(\\.png|\\.plan\\.json|\\.boxes\\.png)");

    private final Path root;

    OutputFolder(Path root) {
        try {
            Files.createDirectories(root);
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new dev.troupe.scene.UserInputException("cannot use " + root + " as the studio's output folder ("
                    + e.getMessage() + "); choose a folder you can write to with --output", e);
        }
    }

    Path root() {
        return root;
    }

    /** The three files of a render called {@code name}. @throws ApiException 400 when the name is not allowed */
    SceneOutputs.Targets outputs(String name) {
        if (name == null || !RENDER_NAME.matcher(name).matches()) {
            throw ApiException.field(400, "name", "a render's name is 1 to 64 letters, digits, '-' or '_', "
                    + "starting with a letter or digit; got '" + name + "'");
        }
        return SceneOutputs.Targets.of(root.resolve(name + ".png"));
    }

    /** An existing output file, by its bare name ({@code NAME.png}, {@code NAME.plan.json}, {@code NAME.boxes.png}). */
    Optional<Path> file(String name) {
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path file = root.resolve(name).normalize();
        try {
            // a link inside the folder must not lead outside it
            if (!file.getParent().equals(root) || !Files.isRegularFile(file)
                    || !file.toRealPath().startsWith(root)) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /** The renders in the folder (those with an image and a plan), newest first. */
    List<String> renders() {
        List<Path> plans = new ArrayList<>();
        try (Stream<Path> files = Files.list(root)) {
            files.filter(f -> f.getFileName().toString().endsWith(".plan.json")).forEach(plans::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        plans.sort(Comparator.comparing(OutputFolder::modified).reversed());
        List<String> names = new ArrayList<>();
        for (Path plan : plans) {
            String fileName = plan.getFileName().toString();
            String name = fileName.substring(0, fileName.length() - ".plan.json".length());
            if (file(fileName).isPresent() && file(name + ".png").isPresent()) {
                names.add(name);
            }
        }
        return names;
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
