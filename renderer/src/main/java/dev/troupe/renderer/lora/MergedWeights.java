package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;


import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Merged weights of one ONNX model (UNet or text encoder), by initializer name, ready to override the model's own
 * initializers when a session is created.
 *
 * <p>How the override reaches ONNX Runtime (1.23), see {@link #createSession}: every merged weight is handed over
 * with {@code addExternalInitializers}, which replaces initializers stored as external data before graph
 * optimisation, reading the tensors in place (no copy). A model whose weights are external data (SD's UNet) is loaded
 * from its file as it is; a model with inline weights is loaded from its {@link OnnxModelFile#shell()}, where the
 * inline weights are external data pointing into the model file itself. Either way only the changed tensors are new
 * memory: there is no re-serialised copy of the model.
 *
 * <p>Ownership: the first session created with this object makes one {@link OnnxTensor} per weight, over this
 * object's direct buffers; ONNX Runtime copies them into each session it creates. Once every session is created,
 * {@link #release()} (or close) lets the buffers go. One instance may serve several sessions.
 */
public final class MergedWeights implements AutoCloseable {
    /**
     * A merged initializer.
     *
     * @param external stored as external data in the model (else inline, overridden through the model's shell)
     * @param data     direct buffer in native byte order, in the initializer's element type and shape
     */
    public record Tensor(String initializerName, long[] shape, WeightTarget.ElementType elementType,
                         boolean external, ByteBuffer data) {
    }

    private final OnnxModelFile model;
    private final long bytes;
    private Map<String, Tensor> tensors;
    private Map<String, OnnxTensor> created;
    private boolean released;

    /** @param model the model the weights were merged for; null only when there are no tensors */
    MergedWeights(OnnxModelFile model, Map<String, Tensor> tensors) {
        this.model = model;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.data().capacity();
        }
        this.bytes = n;
    }

    /** Both sets in one, for a graph that holds both networks (test fixtures); shares the buffers. */
    static MergedWeights union(MergedWeights a, MergedWeights b) {
        Map<String, Tensor> all = new LinkedHashMap<>(a.tensors);
        all.putAll(b.tensors);
        return new MergedWeights(a.model != null ? a.model : b.model, all);
    }

    static MergedWeights empty() {
        return new MergedWeights(null, Map.of());
    }

    /** The merged tensors; after {@link #release()} their names, shapes and types only (data null). */
    public synchronized Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean isEmpty() {
        return tensors.isEmpty();
    }

    /** Bytes of the merged tensors: the weights a session with this LoRA set holds that the model's own does not. */
    public long bytes() {
        return bytes;
    }

    /**
     * Creates a session of {@code modelFile} (the model these weights were merged for) with the merged weights in
     * place of the originals. Names and shapes were checked against the model when merging.
     */
    public synchronized OrtSession createSession(OrtEnvironment env, Path modelFile, OrtSession.SessionOptions options)
            throws OrtException {
        if (released) {
            throw new IllegalStateException("merged weights already released: create every session before release()");
        }
        Map<String, OnnxTensorLike> overrides = new LinkedHashMap<>();
        boolean allExternal = true;
        for (Tensor t : tensors.values()) {
            overrides.put(t.initializerName(), tensor(env, t));
            allExternal &= t.external();
        }
        options.addExternalInitializers(overrides);
        if (allExternal) {
            return env.createSession(modelFile.toString(), options);
        }
        if (model == null || !model.file().equals(modelFile.toAbsolutePath().normalize())) {
            throw new LoraException("ONNX model " + modelFile + " is not the model these LoRA weights were merged for");
        }
        for (Tensor t : tensors.values()) {
            if (!t.external() && model.inlineData(t.initializerName()) == null) {
                throw new LoraException("ONNX model " + modelFile + " stores weight " + t.initializerName()
                        + " in int32_data, which a LoRA cannot be merged into here; re-export the model (raw_data or"
                        + " external data, as torch and optimum write it).");
            }
        }
        // the shell's weights are external data in the model file itself, found in the model's folder
        options.addConfigEntry("session.model_external_initializers_file_folder_path",
                model.file().getParent().toString());
        return env.createSession(model.shell(), options);
    }

    private OnnxTensor tensor(OrtEnvironment env, Tensor t) throws OrtException {
        if (created == null) {
            created = new LinkedHashMap<>();
        }
        OnnxTensor tensor = created.get(t.initializerName());
        if (tensor == null) {
            OnnxJavaType type = switch (t.elementType()) {
                case FLOAT -> OnnxJavaType.FLOAT;
                case FLOAT16 -> OnnxJavaType.FLOAT16;
                case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            };
            tensor = OnnxTensor.createTensor(env, t.data(), t.shape(), type);
            created.put(t.initializerName(), tensor);
        }
        return tensor;
    }

    /**
     * Lets go of the merged tensors once every session that needs them exists. ONNX Runtime copies the external
     * initializers it is given into the session while creating it (1.23; {@code LoraMergeSessionTest} checks that a
     * session's output does not change when the buffers are overwritten afterwards), so keeping them would hold the
     * changed weights twice.
     */
    public synchronized void release() {
        if (created != null) {
            created.values().forEach(OnnxTensor::close);
            created = null;
        }
        Map<String, Tensor> metadata = new LinkedHashMap<>();
        tensors.forEach((name, t) -> metadata.put(name,
                new Tensor(t.initializerName(), t.shape(), t.elementType(), t.external(), null)));
        tensors = Collections.unmodifiableMap(metadata);
        released = true;
    }

    /** The same as {@link #release()}. */
    @Override
    public void close() {
        release();
    }
}
