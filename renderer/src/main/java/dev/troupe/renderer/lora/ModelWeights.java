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
import java.util.Map;

/**
 * The LoRA-targetable weights of one ONNX model (UNet or text encoder), by module path, as found by
 * {@link OnnxWeightResolver}. Holds the initializer protos of those weights only (inline data included), not the
 * whole graph; external data is read from disk on demand.
 */
public final class ModelWeights {
    private final Path modelFile;
    private final Map<String, WeightTarget> targets;
    private final Map<String, TensorProto> protos;

    ModelWeights(Path modelFile, Map<String, WeightTarget> targets, Map<String, TensorProto> protos) {
        this.modelFile = modelFile;
        this.targets = Collections.unmodifiableMap(targets);
        this.protos = protos;
    }

    public Path modelFile() {
        return modelFile;
    }

    /** Module path -> weight, e.g. {@code mid_block.attentions.0.transformer_blocks.0.attn1.to_q}. */
    public Map<String, WeightTarget> targets() {
        return targets;
    }

    /** The weight's values as float, in the initializer's own layout and shape (fp16/bf16 widened). */
    float[] readFloats(WeightTarget target) {
        TensorProto proto = protos.get(target.modulePath());
        long count = target.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new LoraException("Weight " + target.initializerName() + " of " + modelFile
                    + " is too large to merge a LoRA into (" + count + " elements)");
        }
        int n = (int) count;
        float[] out = new float[n];
        if (target.external()) {
            decode(readExternal(proto, target, (long) n * target.elementType().bytes), target.elementType(), out);
        } else if (!proto.getRawData().isEmpty()) {
            ByteBuffer raw = proto.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (raw.remaining() != (long) n * target.elementType().bytes) {
                throw corrupt(target, "raw_data has " + raw.remaining() + " bytes");
            }
            decode(raw, target.elementType(), out);
        } else if (target.elementType() == WeightTarget.ElementType.FLOAT) {
            if (proto.getFloatDataCount() != n) {
                throw corrupt(target, "float_data has " + proto.getFloatDataCount() + " values");
            }
            for (int i = 0; i < n; i++) {
                out[i] = proto.getFloatData(i);
            }
        } else {
            // ONNX stores fp16/bf16 bit patterns in the low 16 bits of int32_data when raw_data is not used
            if (proto.getInt32DataCount() != n) {
                throw corrupt(target, "int32_data has " + proto.getInt32DataCount() + " values");
            }
            boolean half = target.elementType() == WeightTarget.ElementType.FLOAT16;
            for (int i = 0; i < n; i++) {
                short bits = (short) proto.getInt32Data(i);
                out[i] = half ? Float16.toFloat(bits) : Float16.bf16ToFloat(bits);
            }
        }
        return out;
    }

    private static void decode(ByteBuffer data, WeightTarget.ElementType type, float[] out) {
        switch (type) {
            case FLOAT -> data.asFloatBuffer().get(out);
            case FLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float16.toFloat(data.getShort(data.position() + 2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float16.bf16ToFloat(data.getShort(data.position() + 2 * i));
                }
            }
        }
    }

    /** External data: {@code location} relative to the model's folder, {@code offset} and {@code length} in bytes. */
    private ByteBuffer readExternal(TensorProto proto, WeightTarget target, long expectedBytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : proto.getExternalDataList()) {
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
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset < 0 || offset + expectedBytes > channel.size()) {
                throw corrupt(target, "external data [" + offset + ", " + (offset + expectedBytes)
                        + ") lies outside " + file + " (" + channel.size() + " bytes)");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) expectedBytes).order(ByteOrder.LITTLE_ENDIAN);
            long at = offset;
            while (bytes.hasRemaining()) {
                int read = channel.read(bytes, at);
                if (read < 0) {
                    throw corrupt(target, "external data ends early in " + file);
                }
                at += read;
            }
            return bytes.flip();
        } catch (IOException e) {
            throw new LoraException("Cannot read external weights " + file + " of ONNX model " + modelFile
                    + ": " + e.getMessage(), e);
        }
    }

    private LoraException corrupt(WeightTarget target, String what) {
        return new LoraException("ONNX model " + modelFile + ": weight " + target.initializerName() + " is corrupt: "
                + what + ". Re-export the model.");
    }
}
