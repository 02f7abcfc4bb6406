package dev.troupe.renderer.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.troupe.renderer.lora.MergedWeights;
import dev.troupe.renderer.model.ModelException;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The one place ONNX Runtime sessions are created: provider, intra-op threads and graph optimisation are set here,
 * and a caller may customise the options further before the session is built (for example to override weights
 * with {@code addInitializer} or {@code addExternalInitializers} when merging LoRAs).
 *
 * <p>ONNX Runtime's own log is off unless asked for: a bad model file is reported once, by Troupe's error message,
 * not also by ONNX Runtime's coloured log line on stderr.
 */
public final class SessionFactory {

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final ExecutionProvider provider;
    private final int intraOpThreads;
    private final boolean runtimeLog;

    /**
     * Sessions that keep ONNX Runtime's log to themselves (fatal messages only).
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime choose (one per physical core)
     */
    public SessionFactory(ExecutionProvider provider, int intraOpThreads) {
        this(provider, intraOpThreads, false);
    }

    /** @param runtimeLog let ONNX Runtime log its warnings and errors on stderr (troupe's {@code -v}) */
    public SessionFactory(ExecutionProvider provider, int intraOpThreads, boolean runtimeLog) {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("--threads must be 0 (automatic) or more, not " + intraOpThreads);
        }
        this.provider = provider;
        this.intraOpThreads = intraOpThreads;
        this.runtimeLog = runtimeLog;
    }

    public OrtEnvironment environment() {
        return environment;
    }

    public ExecutionProvider provider() {
        return provider;
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public OrtSession open(Path modelFile) {
        return open(modelFile, options -> { });
    }

    /**
     * Creates a session for {@code modelFile} (external data is found next to it).
     *
     * @param customiser applied last, after this factory's settings (it may also change them, e.g. lower the
     *                   optimisation level). Tensors it registers with {@code addInitializer} or
     *                   {@code addExternalInitializers} are read by ONNX Runtime in place: the caller must keep them
     *                   open for as long as the session lives.
     */
    public OrtSession open(Path modelFile, Consumer<OrtSession.SessionOptions> customiser) {
        return open(modelFile, customiser, null);
    }

    /**
     * Creates a session for {@code modelFile} with LoRA-merged weights in place of the model's own (see
     * {@link MergedWeights#createSession}); {@code merged} must stay open while the session lives. Null or empty
     * weights give the plain model.
     */
    public OrtSession open(Path modelFile, MergedWeights merged) {
        return open(modelFile, options -> { }, merged);
    }

    private OrtSession open(Path modelFile, Consumer<OrtSession.SessionOptions> customiser, MergedWeights merged) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // No CPU arena: an arena keeps the peak of the largest run for the life of the session (a studio that drew
            // one large scene would hold gigabytes), and grows in powers of two beyond what a run needs. Without it
            // freed tensors go back to malloc, which reuses them within a render and gives them back to the system
            // after it (NativeMemory). Same speed within noise, on the embedded model and on an SD 1.5-sized UNet in
            // whole renders (README, "Memory").
            options.setCPUArenaAllocator(false);
            options.setSessionLogLevel(runtimeLog ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING
                    : OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            if (provider == ExecutionProvider.CUDA) {
                addCuda(options);
            }
            customiser.accept(options);
            return merged == null || merged.isEmpty() ? environment.createSession(modelFile.toString(), options)
                    : merged.createSession(environment, modelFile, options);
        } catch (OrtException e) {
            throw new ModelException("ONNX Runtime cannot load " + modelFile + ": " + e.getMessage()
                    + "\nCheck that the file is a complete ONNX model (and its external data file sits beside it).", e);
        }
    }

    private static void addCuda(OrtSession.SessionOptions options) {
        try {
            options.addCUDA(0);
        } catch (OrtException | UnsatisfiedLinkError e) {
            throw new ModelException("--provider cuda needs the GPU build of ONNX Runtime and a CUDA device: build with "
                    + "`mvn -Pcuda package` (uses com.microsoft.onnxruntime:onnxruntime_gpu), or use --provider cpu. ("
                    + e.getMessage() + ")", e);
        }
    }
}
