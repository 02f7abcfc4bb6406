package dev.troupe.batch.command;

import dev.troupe.renderer.onnx.SessionFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** The options that say which model to load and how to run it, shared by every command that draws and by bench. */
public final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR",
            description = "Stable Diffusion ONNX export folder (default: the plan's model, else the embedded model)")
    Path model;

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    /** {@code --threads} and {@code --provider}. */
    public RuntimeOptions runtime() {
        return runtime;
    }

    public SessionFactory sessions() {
        return runtime.sessions();
    }

    public SessionFactory sessions(boolean runtimeLog) {
        return runtime.sessions(runtimeLog);
    }

    /**
     * --model when given; else the plan's model reference ("embedded", or a folder relative to the plan file);
     * else the embedded model.
     */
    public Path resolve(String planModel, Path planFile) {
        if (model != null) {
            return model;
        }
        if (planModel == null || planModel.isBlank() || planModel.equals("embedded")) {
            return embedded();
        }
        Path path = Path.of(planModel);
        if (!path.isAbsolute() && planFile != null && planFile.toAbsolutePath().getParent() != null) {
            Path besidePlan = planFile.toAbsolutePath().getParent().resolve(path);
            if (Files.exists(besidePlan)) {
                return besidePlan;
            }
        }
        return path;
    }

    /** models/embedded under the installation ({@code -Dtroupe.home} or $TROUPE_HOME), else under the working folder. */
    public static Path embedded() {
        String home = System.getProperty("troupe.home", System.getenv("TROUPE_HOME"));
        return (home == null ? Path.of("") : Path.of(home)).resolve("models").resolve("embedded");
    }
}
