package dev.troupe.cli;

import java.nio.file.Path;

/** The embedded model's folder for tests in other packages (the studio's). */
public final class EmbeddedModelTestAccess {
    private EmbeddedModelTestAccess() {
    }

    public static Path embedded() {
        return EmbeddedModelTest.embedded();
    }
}
