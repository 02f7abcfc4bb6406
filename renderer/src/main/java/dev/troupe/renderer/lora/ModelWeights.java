package dev.troupe.renderer.lora;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The LoRA-targetable weights of one ONNX model (UNet or text encoder), by module path, as found by
 * {@link OnnxWeightResolver}. Holds where each weight's data lies, not the data: inline weights are read by offset
 * from the model file, external ones from their data file, when a LoRA is merged into them (only a weight stored
 * in an unusual encoding, {@code int32_data}, is kept as it is). Nothing of the size of the model stays on the heap
 * for the life of the process.
 */
public final class ModelWeights {
    /**
     * Where one weight's data is: a byte range of the model file (inline data), or the {@code external_data} entries
     * (location relative to the model's folder), or the tensor itself (data in {@code int32_data}).
     */
    record Data(OnnxModelFile.Span inline, List<StringStringEntryProto> external, TensorProto small) {
    }

    private final OnnxModelFile model;
    private final Path modelFile;
    private final Map<String, WeightTarget> targets;
    private final Map<String, Data> data;
    private final int quantizedWeights;

    ModelWeights(OnnxModelFile model, Map<String, WeightTarget> targets, Map<String, Data> data,
                 int quantizedWeights) {
        this.model = model;
        this.modelFile = model.file();
        this.targets = Collections.unmodifiableMap(targets);
        this.data = data;
        this.quantizedWeights = quantizedWeights;
    }

    /** Weights stored 8-bit (an int8 export's ConvInteger, MatMulInteger, QLinear ops or QDQ pairs): no LoRA target. */
    public int quantizedWeights() {
        return quantizedWeights;
    }

    public Path modelFile() {
        return modelFile;
    }

    /** The model's structure; sessions with merged weights are built from its {@link OnnxModelFile#shell()}. */
    OnnxModelFile model() {
        return model;
    }

    /** Module path -> weight, e.g. {@code mid_block.attentions.0.transformer_blocks.0.attn1.to_q}. */
    public Map<String, WeightTarget> targets() {
        return targets;
    }

    /**
     * The weight's data in a new direct buffer in native byte order, in the initializer's own element type, layout
     * and shape: read from the model file or its external data straight into the buffer, not through the heap.
     */
    ByteBuffer read(WeightTarget target) {
        Data where = data.get(target.modulePath());
        long bytes = target.elementCount() * target.elementType().bytes;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new LoraException("Weight " + target.initializerName() + " of " + modelFile
                    + " is too large to merge a LoRA into (" + target.elementCount() + " elements)");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (target.external()) {
            readExternal(where.external(), target, bytes, out);
        } else if (where.inline() != null) {
            if (where.inline().length() != bytes) {
                throw corrupt(target, "its data has " + where.inline().length() + " bytes");
            }
            read(modelFile, where.inline().offset(), target, out);
        } else {
            copySmall(where.small(), target, out);
        }
        return nativeOrder(out, target.elementType());
    }

    /** ONNX data is little-endian; the tensors handed to ONNX Runtime are in the machine's order. */
    private static ByteBuffer nativeOrder(ByteBuffer le, WeightTarget.ElementType type) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return le.order(ByteOrder.nativeOrder());
        }
        ByteBuffer out = le.duplicate().order(ByteOrder.nativeOrder());
        int size = type.bytes;
        for (int i = 0; i < le.capacity(); i += size) {
            if (size == 4) {
                out.putInt(i, le.getInt(i));
            } else {
                out.putShort(i, le.getShort(i));
            }
        }
        return out;
    }

    /** A weight kept in the graph: float_data (not packed) or, for fp16/bf16, bit patterns in int32_data. */
    private void copySmall(TensorProto proto, WeightTarget target, ByteBuffer out) {
        int n = (int) target.elementCount();
        if (target.elementType() == WeightTarget.ElementType.FLOAT) {
            if (proto.getFloatDataCount() != n) {
                throw corrupt(target, "float_data has " + proto.getFloatDataCount() + " values");
            }
            for (int i = 0; i < n; i++) {
                out.putFloat(4 * i, proto.getFloatData(i));
            }
        } else {
            // ONNX stores fp16/bf16 bit patterns in the low 16 bits of int32_data when raw_data is not used
            if (proto.getInt32DataCount() != n) {
                throw corrupt(target, "int32_data has " + proto.getInt32DataCount() + " values");
            }
            for (int i = 0; i < n; i++) {
                out.putShort(2 * i, (short) proto.getInt32Data(i));
            }
        }
    }

    /** External data: {@code location} relative to the model's folder, {@code offset} and {@code length} in bytes. */
    private void readExternal(List<StringStringEntryProto> entries, WeightTarget target, long expectedBytes,
                              ByteBuffer out) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : entries) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { } // checksum and future keys do not change where the bytes are
                }
            } catch (NumberFormatException ex) {
                throw corrupt(target, "external_data " + e.getKey() + " is not a number");
            }
        }
        if (location == null) {
            throw corrupt(target, "external data has no location");
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        Path file = folder.resolve(location).normalize();
        if (!file.startsWith(folder)) {
            throw corrupt(target, "external data location '" + location + "' points outside the model folder");
        }
        if (length >= 0 && length != expectedBytes) {
            throw corrupt(target, "external data length " + length + " does not match its shape ("
                    + expectedBytes + " bytes)");
        }
        read(file, offset, target, out);
    }

    /** Fills {@code out} with the bytes at {@code offset} of {@code file}, checked to lie inside the file. */
    private void read(Path file, long offset, WeightTarget target, ByteBuffer out) {
        long length = out.capacity();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset < 0 || offset + length > channel.size()) {
                throw corrupt(target, "its data [" + offset + ", " + (offset + length)
                        + ") lies outside " + file + " (" + channel.size() + " bytes)");
            }
            ByteBuffer into = out.duplicate().clear();
            long at = offset;
            while (into.hasRemaining()) {
                int read = channel.read(into, at);
                if (read < 0) {
                    throw corrupt(target, "its data ends early in " + file);
                }
                at += read;
            }
        } catch (IOException e) {
            throw new LoraException("Cannot read the weights in " + file + " of ONNX model " + modelFile
                    + ": " + e.getMessage(), e);
        }
    }

    private LoraException corrupt(WeightTarget target, String what) {
        return new LoraException("ONNX model " + modelFile + ": weight " + target.initializerName() + " is corrupt: "
                + what + ". Re-export the model.");
    }
}
