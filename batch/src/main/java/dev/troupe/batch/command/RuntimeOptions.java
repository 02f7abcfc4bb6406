package dev.troupe.batch.command;

import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Option;

/** How ONNX Runtime runs: intra-op threads and execution provider. Shared by every command that loads a model. */
public final class RuntimeOptions {

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 = one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--provider", paramLabel = "cpu|cuda", defaultValue = "cpu",
            description = "execution provider; cuda needs a build with -Pcuda (default: ${DEFAULT-VALUE})")
    String provider;

    /** {@code --threads}: ONNX Runtime's intra-op threads, 0 for one per core. */
    public int threads() {
        return threads;
    }

    /** {@code --provider}, as given: cpu or cuda. */
    public String provider() {
        return provider;
    }

    /** @throws UserInputException for threads beyond the machine's cores, where ONNX Runtime's pools would swamp it */
    public SessionFactory sessions() {
        return sessions(false);
    }

    /** @param runtimeLog ONNX Runtime's own warnings and errors on stderr too ({@code -v}); else only troupe's */
    public SessionFactory sessions(boolean runtimeLog) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads < 0 || threads > cores) {
            throw new UserInputException("--threads must be between 0 (one per core) and " + cores
                    + " (this machine's cores), not " + threads);
        }
        ExecutionProvider chosen;
        try {
            chosen = ExecutionProvider.parse(provider);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--provider: " + e.getMessage());
        }
        return new SessionFactory(chosen, threads, runtimeLog);
    }
}
