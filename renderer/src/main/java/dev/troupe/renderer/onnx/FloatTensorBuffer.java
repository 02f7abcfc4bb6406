package dev.troupe.renderer.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * A float32 or float16 tensor over a direct buffer that ONNX Runtime reads and writes in place, with the float
 * conversion at this boundary. Allocated once and reused, so a loop that writes inputs and reads outputs through
 * it allocates nothing.
 */
public final class FloatTensorBuffer implements AutoCloseable {

    private final boolean half;
    private final int elements;
    private final FloatBuffer floats;
    private final ShortBuffer halves;
    private final OnnxTensor tensor;

    public FloatTensorBuffer(OrtEnvironment environment, long[] shape, boolean half) throws OrtException {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        this.half = half;
        this.elements = Math.toIntExact(n);
        ByteBuffer bytes = Tensors.direct(n, half ? 2 : 4);
        this.floats = half ? null : bytes.asFloatBuffer();
        this.halves = half ? bytes.asShortBuffer() : null;
        this.tensor = OnnxTensor.createTensor(environment, bytes, shape, half ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT);
    }

    public OnnxTensor tensor() {
        return tensor;
    }

    public int elements() {
        return elements;
    }

    /** Copies {@code elements()} floats from {@code source[offset..]} into the tensor. */
    public void write(float[] source, int offset) {
        if (half) {
            for (int i = 0; i < elements; i++) {
                halves.put(i, Fp16Conversions.floatToFp16(source[offset + i]));
            }
        } else {
            floats.put(0, source, offset, elements);
        }
    }

    /** Copies the tensor into {@code target[0..elements())}. */
    public void read(float[] target) {
        read(target, 0);
    }

    /** Copies the tensor into {@code target[offset..offset + elements())}. */
    public void read(float[] target, int offset) {
        if (half) {
            for (int i = 0; i < elements; i++) {
                target[offset + i] = Fp16Conversions.fp16ToFloat(halves.get(i));
            }
        } else {
            floats.get(0, target, offset, elements);
        }
    }

    @Override
    public void close() {
        tensor.close();
    }
}
