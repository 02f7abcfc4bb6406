package dev.troupe.renderer.lora;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model file read without its weights: the graph (nodes, inputs, outputs, initializer names, types and
 * shapes) and, for every initializer whose data is stored inline, where that data lies in the file.
 *
 * <p>The file is read once as a stream; an inline initializer's {@code raw_data} (or packed {@code float_data},
 * which has the same little-endian bytes) is skipped, not loaded, and its offset and length are kept instead. A
 * 1.7 GB fp16 UNet or a 0.5 GB text encoder thus costs the Java heap its graph only. Data in other encodings
 * ({@code int32_data}, {@code int64_data}, strings: small constants in practice) stays in the graph as it is.
 *
 * <p>{@link #shell()} is the same model with each of those inline initializers turned into external data that points
 * into the model file itself: a graph without weights, which ONNX Runtime loads like any model with external data.
 * Merged weights can then replace any of its initializers with {@code addExternalInitializers}, which replaces
 * external data only, and does so before graph optimisation. ({@code addInitializer}, the option for inline weights,
 * is applied after optimisation: measured with ONNX Runtime 1.23 at the default level, a Conv kept its original
 * weight and a MatMul fed through a Transpose used the constant-folded original.)
 */
public final class OnnxModelFile {
    // field numbers of onnx.proto
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_RAW_DATA = 9;

    /** Where an inline initializer's bytes lie in the model file: little-endian, the tensor's own element type. */
    record Span(long offset, long length) {
    }

    private final Path file;
    private final ModelProto skeleton;
    private final Map<String, Span> inline;

    private OnnxModelFile(Path file, ModelProto skeleton, Map<String, Span> inline) {
        this.file = file;
        this.skeleton = skeleton;
        this.inline = Collections.unmodifiableMap(inline);
    }

    /** Reads the model's structure, skipping large inline data. */
    public static OnnxModelFile read(Path modelFile) {
        Path file = modelFile.toAbsolutePath().normalize();
        try (InputStream stream = Files.newInputStream(file)) {
            CodedInputStream in = CodedInputStream.newInstance(stream, 1 << 16);
            in.setSizeLimit(Integer.MAX_VALUE);
            Map<String, Span> inline = new LinkedHashMap<>();
            ByteString.Output rest = ByteString.newOutput();
            CodedOutputStream restOut = CodedOutputStream.newInstance(rest);
            GraphProto graph = null;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                if (WireFormat.getTagFieldNumber(tag) == MODEL_GRAPH
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    graph = readGraph(in, inline);
                    in.popLimit(limit);
                } else {
                    in.skipField(tag, restOut);
                }
            }
            restOut.flush();
            ModelProto.Builder model = ModelProto.parseFrom(rest.toByteString()).toBuilder();
            if (graph != null) {
                model.setGraph(graph);
            }
            return new OnnxModelFile(file, model.build(), inline);
        } catch (IOException e) {
            throw new LoraException("Cannot read ONNX model " + modelFile + ": " + e.getMessage()
                    + ". Check the model folder.", e);
        }
    }

    private static GraphProto readGraph(CodedInputStream in, Map<String, Span> inline) throws IOException {
        ByteString.Output rest = ByteString.newOutput();
        CodedOutputStream restOut = CodedOutputStream.newInstance(rest);
        List<TensorProto> initializers = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == GRAPH_INITIALIZER
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                initializers.add(readTensor(in, inline));
                in.popLimit(limit);
            } else {
                in.skipField(tag, restOut);
            }
        }
        restOut.flush();
        return GraphProto.parseFrom(rest.toByteString()).toBuilder().addAllInitializer(initializers).build();
    }

    /** A tensor's fields, its raw_data or packed float_data replaced by a recorded span. */
    private static TensorProto readTensor(CodedInputStream in, Map<String, Span> inline) throws IOException {
        ByteString.Output kept = ByteString.newOutput();
        CodedOutputStream keptOut = CodedOutputStream.newInstance(kept);
        Span span = null;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if ((field == TENSOR_RAW_DATA || field == TENSOR_FLOAT_DATA)
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int length = in.readRawVarint32();
                long offset = in.getTotalBytesRead();
                in.skipRawBytes(length);
                if (length > 0) {
                    span = new Span(offset, length);
                }
            } else {
                in.skipField(tag, keptOut);
            }
        }
        keptOut.flush();
        TensorProto tensor = TensorProto.parseFrom(kept.toByteString());
        if (span != null) {
            inline.put(tensor.getName(), span);
        }
        return tensor;
    }

    public Path file() {
        return file;
    }

    /** The model with inline initializers' data left out (their headers kept). */
    public ModelProto skeleton() {
        return skeleton;
    }

    public GraphProto graph() {
        return skeleton.getGraph();
    }

    /** Where an initializer's data lies inline in the file, or null when it is external, absent or not raw. */
    Span inlineData(String initializer) {
        return inline.get(initializer);
    }

    /**
     * The model with every inline initializer as external data pointing into the model file itself
     * ({@code location} its file name, {@code offset} and {@code length} its bytes there); load it with the session
     * option {@code session.model_external_initializers_file_folder_path} set to the model's folder.
     */
    public byte[] shell() {
        ModelProto.Builder model = skeleton.toBuilder();
        GraphProto.Builder graph = model.getGraphBuilder();
        String location = file.getFileName().toString();
        for (TensorProto.Builder t : graph.getInitializerBuilderList()) {
            Span span = inline.get(t.getName());
            if (span != null) {
                t.clearRawData().clearFloatData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .clearExternalData()
                        .addExternalData(entry("location", location))
                        .addExternalData(entry("offset", Long.toString(span.offset())))
                        .addExternalData(entry("length", Long.toString(span.length())));
            }
        }
        return model.build().toByteArray();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
