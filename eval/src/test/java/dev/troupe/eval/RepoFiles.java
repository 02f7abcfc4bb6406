package dev.troupe.eval;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files committed in the repository (models/...), from Maven's root or by walking up. */
final class RepoFiles {
    private RepoFiles() {
    }

    static Path root() {
        String prop = System.getProperty("troupe.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "models"))) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (models/) from " + Path.of("").toAbsolutePath());
    }
}
