package dev.troupe.renderer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.troupe.renderer.model.ModelException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Map;

/** Session introspection and float / float16 conversion at the ONNX Runtime boundary. */
public final class Tensors {

    private Tensors() {
    }

    /** The tensor info of a named input, or a message naming the file and what it declares instead. */
    public static TensorInfo input(OrtSession session, String name, String file) {
        try {
            return info(session.getInputInfo(), name, file, "input");
        } catch (OrtException e) {
            throw new ModelException("cannot read the inputs of " + file + ": " + e.getMessage(), e);
        }
    }

    /** A named output if present, else the first output. */
    public static String outputName(OrtSession session, String preferred) {
        try {
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            return outputs.containsKey(preferred) ? preferred : outputs.keySet().iterator().next();
        } catch (OrtException e) {
            throw new ModelException("cannot read the outputs of a session: " + e.getMessage(), e);
        }
    }

    public static TensorInfo output(OrtSession session, String name, String file) {
        try {
            return info(session.getOutputInfo(), name, file, "output");
        } catch (OrtException e) {
            throw new ModelException("cannot read the outputs of " + file + ": " + e.getMessage(), e);
        }
    }

    private static TensorInfo info(Map<String, NodeInfo> infos, String name, String file, String kind) {
        NodeInfo node = infos.get(name);
        if (node == null || !(node.getInfo() instanceof TensorInfo tensor)) {
            throw new ModelException(file + " has no tensor " + kind + " named \"" + name + "\" (it has "
                    + infos.keySet() + "): not a Stable Diffusion ONNX export of the expected form.");
        }
        return tensor;
    }

    /** Whether a float tensor is stored as float16 (else float32); other types are rejected with the file named. */
    public static boolean isHalf(TensorInfo info, String what) {
        if (info.type == OnnxJavaType.FLOAT16) {
            return true;
        }
        if (info.type == OnnxJavaType.FLOAT) {
            return false;
        }
        throw new ModelException(what + " has element type " + info.type + "; expected float32 or float16.");
    }

    /** A fixed dimension, or -1 when it is symbolic. */
    public static long dim(TensorInfo info, int axis) {
        long[] shape = info.getShape();
        return axis < shape.length ? shape[axis] : -1;
    }

    public static String describe(TensorInfo info) {
        String[] names = info.getDimensionNames();
        long[] shape = info.getShape();
        StringBuilder sb = new StringBuilder(info.type.toString().toLowerCase()).append(" [");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i] >= 0 ? Long.toString(shape[i]) : names != null && i < names.length && !names[i].isEmpty() ? names[i] : "?");
        }
        return sb.append(']').toString();
    }

    /** A direct buffer in native order, which ONNX Runtime reads and writes without copying. */
    public static ByteBuffer direct(long elements, int bytesPerElement) {
        return ByteBuffer.allocateDirect(Math.toIntExact(elements * bytesPerElement)).order(ByteOrder.nativeOrder());
    }

    /** Reads any float tensor (float32, float16 or float64) ONNX Runtime returned into a new array. */
    public static float[] toFloats(OnnxTensor tensor) {
        TensorInfo info = tensor.getInfo();
        int n = Math.toIntExact(info.getNumElements());
        float[] out = new float[n];
        switch (info.type) {
            case FLOAT -> tensor.getFloatBuffer().get(out);
            case FLOAT16 -> {
                ShortBuffer shorts = tensor.getShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = Fp16Conversions.fp16ToFloat(shorts.get(i));
                }
            }
            case DOUBLE -> {
                double[] d = new double[n];
                tensor.getDoubleBuffer().get(d);
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                }
            }
            default -> throw new ModelException("unexpected output element type " + info.type);
        }
        return out;
    }

    public static String shape(long[] shape) {
        return Arrays.toString(shape);
    }
}
