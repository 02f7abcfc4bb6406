package dev.troupe.renderer.lora;

import java.util.Arrays;

/**
 * The ONNX initializer that holds the weight of one model module (a Linear or a Conv).
 *
 * @param modulePath      the diffusers/transformers module path, e.g.
 *                        {@code down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k}
 * @param initializerName the initializer to override, e.g. {@code onnx::MatMul_1830} or
 *                        {@code down_blocks.0.resnets.0.conv1.weight}
 * @param shape           the initializer's shape: {@code [in, out]} for {@link Layout#IN_OUT}, {@code [out, in]} or
 *                        {@code [out, in, kh, kw]} for {@link Layout#OUT_IN}
 * @param layout          whether the stored matrix is torch's {@code [out, in]} or its transpose
 * @param elementType     how the initializer stores its numbers
 * @param external        stored as external data beside the model (override with {@code addExternalInitializers})
 */
public record WeightTarget(String modulePath, String initializerName, long[] shape, Layout layout,
                           ElementType elementType, boolean external) {

    /** How the weight matrix is laid out in the initializer. */
    public enum Layout {
        /** torch layout: Conv {@code [out, in, kh, kw]}, Gemm with transB=1 {@code [out, in]}, Transpose'd MatMul. */
        OUT_IN,
        /** MatMul's right operand {@code [in, out]}: torch >= 1.13 exports Linear weights transposed like this. */
        IN_OUT
    }

    /** The initializer element types a merge can widen and narrow back. */
    public enum ElementType {
        FLOAT(1, 4), FLOAT16(10, 2), BFLOAT16(16, 2);

        final int onnxCode;
        final int bytes;

        ElementType(int onnxCode, int bytes) {
            this.onnxCode = onnxCode;
            this.bytes = bytes;
        }

        static ElementType fromOnnx(int code) {
            for (ElementType t : values()) {
                if (t.onnxCode == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Output features: rows of the torch-layout weight. */
    public long outFeatures() {
        return layout == Layout.IN_OUT ? shape[1] : shape[0];
    }

    /** Input features times kernel size: columns of the torch-layout weight flattened to 2-D. */
    public long inFeatures() {
        if (layout == Layout.IN_OUT) {
            return shape[0];
        }
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return modulePath + " -> " + initializerName + " " + Arrays.toString(shape) + " " + layout + " "
                + elementType + (external ? " (external data)" : "");
    }
}
