package dev.troupe.batch.command;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version from the build (a resource filtered by Maven): what {@code troupe --version} prints and what every batch
 * job's sidecar records, so both read it here.
 */
public final class TroupeVersion implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = TroupeVersion.class.getResourceAsStream("/dev/troupe/batch/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        }
        return new String[] {"troupe " + properties.getProperty("version", "unknown")};
    }

    /** {@code troupe 0.1.0}: the one line {@link #getVersion()} gives. */
    public static String line() {
        try {
            return new TroupeVersion().getVersion()[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
