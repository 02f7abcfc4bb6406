package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Merged weights of one ONNX model (UNet or text encoder), by initializer name, ready to override the model's own
 * initializers when a session is created.
 *
 * <p>Ownership: {@link #apply} creates one {@link OnnxTensor} per weight on first use, over this object's direct
 * buffers, and ONNX Runtime reads them for as long as any session created from those options lives. Close this
 * object only after every such session is closed; closing it frees the tensors. One instance may be applied to
 * several {@link OrtSession.SessionOptions} (the tensors are shared).
 */
public final class MergedWeights implements AutoCloseable {
    /**
     * A merged initializer.
     *
     * @param data direct buffer in native byte order, in the initializer's element type and shape
     */
    public record Tensor(String initializerName, long[] shape, WeightTarget.ElementType elementType,
                         boolean external, ByteBuffer data) {
    }

    private final Map<String, Tensor> tensors;
    private Map<String, OnnxTensor> created;
    private boolean closed;

    MergedWeights(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    static MergedWeights empty() {
        return new MergedWeights(Map.of());
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean isEmpty() {
        return tensors.isEmpty();
    }

    /** Bytes held by the merged tensors (off-heap), the extra memory a session with this LoRA set costs. */
    public long bytes() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.data().capacity();
        }
        return n;
    }

    /** The merged values of one initializer, widened to float, for checks and diagnostics. */
    public float[] floats(String initializerName) {
        Tensor t = tensors.get(initializerName);
        if (t == null) {
            throw new LoraException("No merged weight named " + initializerName);
        }
        ByteBuffer data = t.data().duplicate().order(t.data().order());
        float[] out = new float[data.capacity() / t.elementType().bytes];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (t.elementType()) {
                case FLOAT -> data.getFloat(4 * i);
                case FLOAT16 -> Float16.toFloat(data.getShort(2 * i));
                case BFLOAT16 -> Float16.bf16ToFloat(data.getShort(2 * i));
            };
        }
        return out;
    }

    /**
     * Overrides the model's initializers in {@code options}: {@code addExternalInitializers} for weights stored as
     * external data (replaced before graph optimisation, dtype and shape checked by ONNX Runtime),
     * {@code addInitializer} for inline ones. Names and shapes were checked against the model when merging, because
     * ONNX Runtime ignores an unknown name and fails a wrong shape only at run time.
     */
    public synchronized void apply(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException {
        if (closed) {
            throw new IllegalStateException("merged weights already closed");
        }
        if (created == null) {
            Map<String, OnnxTensor> tensorsByName = new LinkedHashMap<>();
            try {
                for (Tensor t : tensors.values()) {
                    OnnxJavaType type = switch (t.elementType()) {
                        case FLOAT -> OnnxJavaType.FLOAT;
                        case FLOAT16 -> OnnxJavaType.FLOAT16;
                        case BFLOAT16 -> OnnxJavaType.BFLOAT16;
                    };
                    tensorsByName.put(t.initializerName(), OnnxTensor.createTensor(env, t.data(), t.shape(), type));
                }
            } catch (OrtException | RuntimeException e) {
                tensorsByName.values().forEach(OnnxTensor::close);
                throw e;
            }
            created = tensorsByName;
        }
        Map<String, OnnxTensorLike> external = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            if (t.external()) {
                external.put(t.initializerName(), created.get(t.initializerName()));
            } else {
                options.addInitializer(t.initializerName(), created.get(t.initializerName()));
            }
        }
        if (!external.isEmpty()) {
            options.addExternalInitializers(external);
        }
    }

    @Override
    public synchronized void close() {
        if (created != null) {
            created.values().forEach(OnnxTensor::close);
            created = null;
        }
        closed = true;
    }
}
