package dev.troupe.cli.bench;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.platform.Fp16Conversions;
import com.google.protobuf.ByteString;
import dev.troupe.renderer.onnx.OnnxProtos;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Writes an ONNX graph (opset 14) with random weights in one of three precisions, as the export tools leave them:
 * <ul>
 *   <li>{@code FP32}: float weights and tensors;</li>
 *   <li>{@code FP16}: float16 weights, inputs, outputs and operators throughout, as an fp16 export leaves them (ONNX
 *       Runtime's CPU provider runs the operators it has no float16 kernel for in float, casting around them);</li>
 *   <li>{@code INT8}: float inputs and outputs; every Conv and MatMul weight quantized to 8 bits as ONNX Runtime's
 *       dynamic quantization writes them ({@code DynamicQuantizeLinear} on the activation, {@code MatMulInteger}
 *       with int8 weights, zero point 0, or {@code ConvInteger} with uint8 weights and their zero point, then the
 *       product's scale applied in float).</li>
 * </ul>
 * Weights go to an external data file when one is given (a UNet over 2 GB must), else inline.
 */
final class GraphWriter {

    enum Precision { FP32, FP16, INT8 }

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("generated");
    private final Precision precision;
    private final SplittableRandom random;
    private final FileChannel external;
    private final String externalName;
    private long parameters;
    private int counter;

    /** @param externalData the weights file beside the model (null: weights inline) */
    GraphWriter(Precision precision, long seed, Path externalData) throws IOException {
        this.precision = precision;
        this.random = new SplittableRandom(seed);
        if (externalData != null) {
            Files.createDirectories(externalData.getParent());
            this.external = FileChannel.open(externalData, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            this.externalName = externalData.getFileName().toString();
        } else {
            this.external = null;
            this.externalName = null;
        }
    }

    long parameters() {
        return parameters;
    }

    private DataType floatType() {
        return precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT;
    }

    /** A graph input of the precision's float type. */
    String floatInput(String name, Object... dims) {
        graph.addInput(OnnxProtos.value(name, floatType(), dims));
        return name;
    }

    void input(String name, DataType type, Object... dims) {
        graph.addInput(OnnxProtos.value(name, type, dims));
    }

    /** Names tensor {@code x} as the graph output {@code name} in the precision's float type. */
    void floatOutput(String x, String name, Object... dims) {
        node("Identity", new String[] {x}, name);
        graph.addOutput(OnnxProtos.value(name, floatType(), dims));
    }

    /** Casts an int64 or float tensor to the precision's float type. */
    String toFloat(String x) {
        return cast(x, floatType());
    }

    String op(String op, String[] inputs, Object... attributes) {
        return node(op, inputs, op.toLowerCase() + "_" + counter, attributes);
    }

    String node(String op, String[] inputs, String output, Object... attributes) {
        graph.addNode(OnnxProtos.node(op, "/" + op + "_" + counter++, inputs, output, attributes));
        return output;
    }

    private String cast(String x, DataType to) {
        return op("Cast", new String[] {x}, "to", (long) to.getNumber());
    }

    /** A scalar constant [1] in the precision's float type, to scale a tensor with. */
    String scalar(float value) {
        if (precision != Precision.FP16) {
            return floatConstant(value);
        }
        return constant("const_", TensorProto.newBuilder().setDataType(DataType.FLOAT16.getNumber()).addDims(1)
                .addInt32Data(Fp16Conversions.floatToFp16(value) & 0xffff));
    }

    /** A float32 vector constant (Resize scales, float32 whatever the model's precision). */
    String floatConstant(float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(DataType.FLOAT.getNumber()).addDims(values.length);
        for (float v : values) {
            t.addFloatData(v);
        }
        return constant("const_", t);
    }

    String int64s(long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(DataType.INT64.getNumber()).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return constant("shape_", t);
    }

    private String constant(String prefix, TensorProto.Builder t) {
        String name = prefix + counter++;
        graph.addInitializer(t.setName(name));
        return name;
    }

    /** Random N(0, std^2) weights [dims] in the precision's float type. */
    String floatWeight(String name, double std, long... dims) throws IOException {
        float[] w = gaussian(count(dims), std);
        if (precision == Precision.FP16) {
            ByteBuffer raw = ByteBuffer.allocate(w.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : w) {
                raw.putShort(Fp16Conversions.floatToFp16(v));
            }
            initializer(name, DataType.FLOAT16, raw, dims);
            return name;
        }
        ByteBuffer raw = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(w);
        initializer(name, DataType.FLOAT, raw, dims);
        return name;
    }

    /** {@code x [.., k] @ W [k, n]}; int8: DynamicQuantizeLinear + MatMulInteger (int8 weights) + scale. */
    String matMul(String x, String name, int k, int n) throws IOException {
        double std = 1 / Math.sqrt(k);
        if (precision != Precision.INT8) {
            return op("MatMul", new String[] {x, floatWeight(name, std, k, n)});
        }
        float[] w = gaussian((long) k * n, std);
        float scale = maxAbs(w) / 127f;
        ByteBuffer q = ByteBuffer.allocate(w.length);
        for (float v : w) {
            q.put((byte) Math.max(-127, Math.min(127, Math.round(v / scale))));
        }
        q.flip();
        initializer(name + "_quantized", DataType.INT8, q, k, n);
        String zero = name + "_zero_point";
        graph.addInitializer(TensorProto.newBuilder().setName(zero).setDataType(DataType.INT8.getNumber())
                .addInt32Data(0));
        String[] dq = dynamicQuantize(x);
        String product = op("MatMulInteger", new String[] {dq[0], name + "_quantized", dq[2], zero});
        return rescale(product, dq[1], scale);
    }

    /** A Conv with bias; int8: DynamicQuantizeLinear + ConvInteger (uint8 weights, their zero point) + scale + bias. */
    String conv(String x, String name, int in, int out, int kernel, int stride) throws IOException {
        long[] pads = {kernel / 2, kernel / 2, kernel / 2, kernel / 2};
        long[] strides = {stride, stride};
        double std = 1 / Math.sqrt((double) in * kernel * kernel);
        String bias = floatWeight(name + ".bias", 0.01, out);
        if (precision != Precision.INT8) {
            String w = floatWeight(name + ".weight", std, out, in, kernel, kernel);
            return op("Conv", new String[] {x, w, bias}, "pads", pads, "strides", strides);
        }
        float[] w = gaussian((long) out * in * kernel * kernel, std);
        float[] range = rangeWithZero(w);
        float min = range[0], max = range[1];
        float scale = (max - min) / 255f;
        int zeroPoint = Math.round(-min / scale);
        ByteBuffer q = ByteBuffer.allocate(w.length);
        for (float v : w) {
            q.put((byte) Math.max(0, Math.min(255, Math.round(v / scale) + zeroPoint)));
        }
        q.flip();
        initializer(name + ".weight_quantized", DataType.UINT8, q, out, in, kernel, kernel);
        String zero = name + ".weight_zero_point";
        graph.addInitializer(TensorProto.newBuilder().setName(zero).setDataType(DataType.UINT8.getNumber())
                .addInt32Data(zeroPoint));
        String[] dq = dynamicQuantize(x);
        String product = op("ConvInteger", new String[] {dq[0], name + ".weight_quantized", dq[2], zero},
                "pads", pads, "strides", strides);
        String scaled = rescale(product, dq[1], scale);
        return op("Add", new String[] {scaled, op("Reshape", new String[] {bias, int64s(1, out, 1, 1)})});
    }

    /** {@code [quantized, scale, zero point]} of a float activation. */
    private String[] dynamicQuantize(String x) {
        String base = "dql_" + counter++;
        NodeProto.Builder node = NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").setName("/" + base)
                .addInput(x).addOutput(base + "_q").addOutput(base + "_scale").addOutput(base + "_zp");
        graph.addNode(node);
        return new String[] {base + "_q", base + "_scale", base + "_zp"};
    }

    /** int32 product * (activation scale * weight scale), as float. */
    private String rescale(String product, String activationScale, float weightScale) {
        String combined = op("Mul", new String[] {activationScale, scalar(weightScale)});
        return op("Mul", new String[] {cast(product, DataType.FLOAT), combined});
    }

    private void initializer(String name, DataType type, ByteBuffer raw, long... dims) throws IOException {
        parameters += count(dims);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        raw.rewind();
        if (external == null || raw.remaining() < 1024) {
            t.setRawData(ByteString.copyFrom(raw));
        } else {
            long offset = external.position();
            int length = raw.remaining();
            while (raw.hasRemaining()) {
                external.write(raw);
            }
            t.setDataLocation(TensorProto.DataLocation.EXTERNAL);
            t.addExternalDataBuilder().setKey("location").setValue(externalName);
            t.addExternalDataBuilder().setKey("offset").setValue(Long.toString(offset));
            t.addExternalDataBuilder().setKey("length").setValue(Integer.toString(length));
        }
        graph.addInitializer(t);
    }

    private static long count(long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    private float[] gaussian(long n, double std) {
        float[] w = new float[Math.toIntExact(n)];
        for (int i = 0; i < w.length; i += 2) {
            double u1 = 1 - random.nextDouble(), u2 = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1)) * std;
            w[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < w.length) {
                w[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return w;
    }

    private static float maxAbs(float[] w) {
        float m = 0;
        for (float v : w) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** {min, max} of the values and 0, the range that uint8 quantization maps onto 0..255. */
    private static float[] rangeWithZero(float[] w) {
        float min = 0, max = 0;
        for (float v : w) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new float[] {min, max};
    }

    void write(Path file) throws IOException {
        if (external != null) {
            external.close();
        }
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("troupe-bench")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(14))
                .setGraph(graph).build();
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
    }
}
