package dev.troupe.renderer.lora;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds tiny ONNX graphs shaped like a torch export of a diffusers UNet / CLIP text encoder:
 * <ul>
 *   <li>{@code q = hidden @ onnx::MatMul_12} ({@code [1, 3, 4] @ [4, 5]}), node
 *       {@code /down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul};</li>
 *   <li>{@code k = hidden @ Transpose(onnx::MatMul_13)} with {@code onnx::MatMul_13} stored {@code [5, 4]}, node
 *       {@code .../attn1/to_k/MatMul};</li>
 *   <li>{@code conv = Conv(image, down_blocks.0.resnets.0.conv1.weight)} ({@code [1, 2, 5, 5]} with a
 *       {@code [3, 2, 3, 3]} kernel, pads 1);</li>
 *   <li>{@code te = hidden @ onnx::MatMul_20 + text_model.encoder.layers.0.self_attn.q_proj.bias}, node
 *       {@code /layers.0/q_proj/MatMul} (the scope-dropped CLIP naming).</li>
 * </ul>
 * Weights are deterministic; {@code fp16} stores all weights and activations as FLOAT16 (inputs and outputs
 * included); {@code external} stores the weights in {@code weights.bin} beside the model.
 */
final class OnnxFixtures {
    static final String TO_Q_NODE = "/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul";
    static final String TO_Q = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
    static final String TO_K = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k";
    static final String CONV = "down_blocks.0.resnets.0.conv1";
    static final String TE_Q = "text_model.encoder.layers.0.self_attn.q_proj";
    static final int IN = 4;
    static final int OUT = 5;
    static final int TOKENS = 3;
    static final int CONV_IN = 2;
    static final int CONV_OUT = 3;
    static final int SIDE = 5;

    /** Torch-layout weights ([out, in] / [out, in, kh, kw]) the fixture was built from. */
    static float[] toQ() {
        return values(OUT * IN, 1);
    }

    static float[] toK() {
        return values(OUT * IN, 2);
    }

    static float[] conv() {
        return values(CONV_OUT * CONV_IN * 9, 3);
    }

    static float[] teQ() {
        return values(OUT * IN, 4);
    }

    static float[] teBias() {
        return values(OUT, 5);
    }

    /** Deterministic values in [-0.5, 0.5), exactly representable in fp16 (multiples of 1/256). */
    static float[] values(int n, int seed) {
        float[] v = new float[n];
        long s = seed * 2654435761L;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            v[i] = ((int) ((s >>> 33) % 256) - 128) / 256f;
        }
        return v;
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    static Path write(Path dir, boolean fp16, boolean external) throws IOException {
        Files.createDirectories(dir);
        int type = fp16 ? TensorProto.DataType.FLOAT16_VALUE : TensorProto.DataType.FLOAT_VALUE;
        Map<String, Object[]> weights = new LinkedHashMap<>(); // name -> {dims, values}
        weights.put("onnx::MatMul_12", new Object[] {new long[] {IN, OUT}, transpose(toQ(), OUT, IN)});
        weights.put("onnx::MatMul_13", new Object[] {new long[] {OUT, IN}, toK()});
        weights.put(CONV + ".weight", new Object[] {new long[] {CONV_OUT, CONV_IN, 3, 3}, conv()});
        weights.put("onnx::MatMul_20", new Object[] {new long[] {IN, OUT}, transpose(teQ(), OUT, IN)});
        weights.put(TE_Q + ".bias", new Object[] {new long[] {OUT}, teBias()});

        GraphProto.Builder g = GraphProto.newBuilder().setName("lora_fixture");
        ByteArrayOutputStream externalData = new ByteArrayOutputStream();
        for (Map.Entry<String, Object[]> w : weights.entrySet()) {
            long[] dims = (long[]) w.getValue()[0];
            byte[] raw = encode((float[]) w.getValue()[1], fp16);
            TensorProto.Builder t = TensorProto.newBuilder().setName(w.getKey()).setDataType(type);
            for (long d : dims) {
                t.addDims(d);
            }
            if (external) {
                t.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", "weights.bin"))
                        .addExternalData(entry("offset", Long.toString(externalData.size())))
                        .addExternalData(entry("length", Long.toString(raw.length)));
                externalData.writeBytes(raw);
                while (externalData.size() % 16 != 0) {
                    externalData.write(0);
                }
            } else {
                t.setRawData(ByteString.copyFrom(raw));
            }
            g.addInitializer(t);
        }
        g.addInput(valueInfo("hidden", type, 1, TOKENS, IN));
        g.addInput(valueInfo("image", type, 1, CONV_IN, SIDE, SIDE));
        g.addNode(node("MatMul", TO_Q_NODE, List.of("hidden", "onnx::MatMul_12"), "q"));
        g.addNode(node("Transpose", "/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_k/Transpose",
                List.of("onnx::MatMul_13"), "k_weight").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS)
                        .addInts(1).addInts(0)).build());
        g.addNode(node("MatMul", "/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_k/MatMul",
                List.of("hidden", "k_weight"), "k"));
        g.addNode(node("Conv", "/down_blocks.0/resnets.0/conv1/Conv", List.of("image", CONV + ".weight"), "conv")
                .toBuilder()
                .addAttribute(ints("pads", 1, 1, 1, 1))
                .addAttribute(ints("kernel_shape", 3, 3)).build());
        g.addNode(node("MatMul", "/layers.0/q_proj/MatMul", List.of("hidden", "onnx::MatMul_20"), "te_mm"));
        g.addNode(node("Add", "/layers.0/q_proj/Add", List.of(TE_Q + ".bias", "te_mm"), "te"));
        g.addOutput(valueInfo("q", type, 1, TOKENS, OUT));
        g.addOutput(valueInfo("k", type, 1, TOKENS, OUT));
        g.addOutput(valueInfo("conv", type, 1, CONV_OUT, SIDE, SIDE));
        g.addOutput(valueInfo("te", type, 1, TOKENS, OUT));
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("troupe-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build();
        Path file = dir.resolve("model.onnx");
        Files.write(file, model.toByteArray());
        if (external) {
            Files.write(dir.resolve("weights.bin"), externalData.toByteArray());
        }
        return file;
    }

    private static byte[] encode(float[] values, boolean fp16) {
        ByteBuffer b = ByteBuffer.allocate(values.length * (fp16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (fp16) {
                b.putShort(Float16.fromFloat(v));
            } else {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(new ArrayList<>(inputs))
                .addOutput(output).build();
    }

    private static ValueInfoProto valueInfo(String name, int type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }
}
