package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Merged weights of one ONNX model (UNet or text encoder), by initializer name, ready to override the model's own
 * initializers when a session is created.
 *
 * <p>How the override reaches ONNX Runtime (1.23), see {@link #createSession}: weights stored as external data are
 * replaced with {@code addExternalInitializers}, which happens before graph optimisation. Inline weights are written
 * into a patched copy of the model held in memory, because {@code addInitializer} is not reliable for them: measured
 * on the fixture graphs, with the default optimisation level a Conv kept its original weight and a MatMul fed through
 * a Transpose used the constant-folded original (with {@code NO_OPT} the overrides were honoured, at the price of
 * every optimisation); and {@code addExternalInitializers} refuses an inline initializer ("Trying to replace
 * non-external initializer with external data").
 *
 * <p>Ownership: the first session created with this object makes one {@link OnnxTensor} per external-data weight,
 * over this object's direct buffers, and ONNX Runtime reads them for as long as that session lives. Close this
 * object only after every such session is closed; closing it frees the tensors. One instance may serve several
 * sessions (the tensors are shared).
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

    /** Both sets in one, for a graph that holds both networks (test fixtures); shares the buffers. */
    static MergedWeights union(MergedWeights a, MergedWeights b) {
        Map<String, Tensor> all = new LinkedHashMap<>(a.tensors);
        all.putAll(b.tensors);
        return new MergedWeights(all);
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
     * Creates a session of {@code modelFile} (the model these weights were merged for) with the merged weights in
     * place of the originals. Names and shapes were checked against the model when merging.
     */
    public synchronized OrtSession createSession(OrtEnvironment env, Path modelFile, OrtSession.SessionOptions options)
            throws OrtException {
        if (closed) {
            throw new IllegalStateException("merged weights already closed");
        }
        Map<String, OnnxTensorLike> external = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            if (t.external()) {
                external.put(t.initializerName(), externalTensor(env, t));
            }
        }
        if (!external.isEmpty()) {
            options.addExternalInitializers(external);
        }
        if (external.size() == tensors.size()) {
            return env.createSession(modelFile.toString(), options);
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        if (folder != null) {
            // a model loaded from bytes resolves its remaining external data from this folder
            options.addConfigEntry("session.model_external_initializers_file_folder_path", folder.toString());
        }
        return env.createSession(patchedModel(modelFile), options);
    }

    private OnnxTensor externalTensor(OrtEnvironment env, Tensor t) throws OrtException {
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

    /** The model's bytes with every inline merged initializer's data replaced (little-endian raw_data). */
    private byte[] patchedModel(Path modelFile) {
        ModelProto model;
        try (InputStream in = Files.newInputStream(modelFile)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (IOException e) {
            throw new LoraException("Cannot read ONNX model " + modelFile + ": " + e.getMessage(), e);
        }
        ModelProto.Builder builder = model.toBuilder();
        GraphProto.Builder graph = builder.getGraphBuilder();
        int patched = 0;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            Tensor t = tensors.get(graph.getInitializer(i).getName());
            if (t == null || t.external()) {
                continue;
            }
            ByteBuffer le = ByteBuffer.allocate(t.data().capacity()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer src = t.data().duplicate().order(t.data().order());
            if (t.elementType() == WeightTarget.ElementType.FLOAT) {
                for (int j = 0; j < le.capacity() / 4; j++) {
                    le.putFloat(4 * j, src.getFloat(4 * j));
                }
            } else {
                for (int j = 0; j < le.capacity() / 2; j++) {
                    le.putShort(2 * j, src.getShort(2 * j));
                }
            }
            TensorProto.Builder init = graph.getInitializerBuilder(i);
            init.clearFloatData().clearInt32Data().setRawData(ByteString.copyFrom(le.array()));
            patched++;
        }
        if (patched != tensors.size() - (int) tensors.values().stream().filter(Tensor::external).count()) {
            throw new LoraException("ONNX model " + modelFile + " is not the model these LoRA weights were merged for"
                    + " (some merged weights have no initializer there)");
        }
        return builder.build().toByteArray();
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
