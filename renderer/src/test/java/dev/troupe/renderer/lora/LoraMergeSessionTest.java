package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static dev.troupe.renderer.lora.OnnxFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Merges generated LoRAs (kohya and PEFT, linear and LoCon convolution, UNet and text encoder) into the fixture
 * graphs and runs ONNX Runtime with the overrides: its outputs must equal x @ (W + delta)^T computed here in plain
 * Java from the fixture's weights and the LoRA's factors.
 */
class LoraMergeSessionTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final int RANK = 2;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "fp16={0} external={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void mergedSessionMatchesPlainJavaMerge(boolean fp16, boolean external) throws Exception {
        Path model = OnnxFixtures.write(dir.resolve("model"), fp16, external);
        ModelWeights weights = OnnxWeightResolver.resolve(model);
        assertThat(weights.targets()).containsKeys(TO_Q, TO_K, CONV, TE_Q);
        assertThat(weights.targets().get(TO_Q).initializerName()).isEqualTo("onnx::MatMul_12");
        assertThat(weights.targets().get(TO_Q).layout()).isEqualTo(WeightTarget.Layout.IN_OUT);
        assertThat(weights.targets().get(TO_K).layout()).isEqualTo(WeightTarget.Layout.OUT_IN);
        assertThat(weights.targets().get(TO_Q).external()).isEqualTo(external);

        // kohya: to_q (alpha 1 of rank 2), to_k, LoCon conv [r, in, 3, 3] / [out, r, 1, 1], text encoder q_proj
        float[] qDown = values(RANK * IN, 11), qUp = values(OUT * RANK, 12);
        float[] kDown = values(RANK * IN, 13), kUp = values(OUT * RANK, 14);
        float[] cDown = values(RANK * CONV_IN * 9, 15), cUp = values(CONV_OUT * RANK, 16);
        float[] tDown = values(RANK * IN, 17), tUp = values(OUT * RANK, 18);
        Path kohya = new SafetensorsWriter()
                .f16(kohyaKey(TO_Q, "lora_unet_") + ".lora_down.weight", new long[] {RANK, IN}, qDown)
                .f16(kohyaKey(TO_Q, "lora_unet_") + ".lora_up.weight", new long[] {OUT, RANK}, qUp)
                .f16(kohyaKey(TO_Q, "lora_unet_") + ".alpha", new long[] {}, new float[] {1f})
                .f16(kohyaKey(TO_K, "lora_unet_") + ".lora_down.weight", new long[] {RANK, IN}, kDown)
                .f16(kohyaKey(TO_K, "lora_unet_") + ".lora_up.weight", new long[] {OUT, RANK}, kUp)
                .f16(kohyaKey(CONV, "lora_unet_") + ".lora_down.weight", new long[] {RANK, CONV_IN, 3, 3}, cDown)
                .f16(kohyaKey(CONV, "lora_unet_") + ".lora_up.weight", new long[] {CONV_OUT, RANK, 1, 1}, cUp)
                .f16(kohyaKey(CONV, "lora_unet_") + ".alpha", new long[] {}, new float[] {4f})
                .f32(kohyaKey(TE_Q, "lora_te_") + ".lora_down.weight", new long[] {RANK, IN}, tDown)
                .f32(kohyaKey(TE_Q, "lora_te_") + ".lora_up.weight", new long[] {OUT, RANK}, tUp)
                .write(dir.resolve("kohya.safetensors"));
        // PEFT on to_q as well, alpha 4 from adapter_config.json beside it: both LoRAs add up on one weight
        Path peftDir = Files.createDirectories(dir.resolve("peft"));
        Files.writeString(peftDir.resolve("adapter_config.json"), "{\"r\": 2, \"lora_alpha\": 4}");
        float[] pDown = values(RANK * IN, 19), pUp = values(OUT * RANK, 20);
        Path peft = new SafetensorsWriter()
                .bf16("unet." + TO_Q + ".lora_A.weight", new long[] {RANK, IN}, pDown)
                .bf16("unet." + TO_Q + ".lora_B.weight", new long[] {OUT, RANK}, pUp)
                .write(peftDir.resolve("pytorch_lora_weights.safetensors"));

        double m1 = 0.8, m2 = -0.5;
        LoraSet set = new LoraSet(java.util.List.of(new LoraSet.Entry(kohya, m1), new LoraSet.Entry(peft, m2)));
        // The fixture holds both networks in one graph, so the same weights serve as "UNet" and "text encoder".
        try (MergedLoras merged = new LoraMerger(weights, weights).merge(set)) {
            assertThat(merged.reports()).extracting(LoraReport::matchedModules).containsExactly(4, 1);
            assertThat(merged.reports()).allSatisfy(r -> assertThat(r.unmatchedKeys()).isEmpty());
            assertThat(merged.unet().tensors().keySet())
                    .containsExactlyInAnyOrder("onnx::MatMul_12", "onnx::MatMul_13", CONV + ".weight");
            assertThat(merged.textEncoder().tensors().keySet()).containsExactly("onnx::MatMul_20");
            long elements = 2L * OUT * IN + CONV_OUT * CONV_IN * 9;
            assertThat(merged.unet().bytes()).isEqualTo(elements * (fp16 ? 2 : 4));

            float[] expectedQ = add(toQ(), delta(qUp, qDown, OUT, IN, m1 * 1 / RANK),
                    delta(round(pUp, true), round(pDown, true), OUT, IN, m2 * 4 / RANK));
            float[] expectedK = add(toK(), delta(kUp, kDown, OUT, IN, m1));
            float[] expectedConv = add(conv(), delta(cUp, cDown, CONV_OUT, CONV_IN * 9, m1 * 4 / RANK));
            float[] expectedTe = add(teQ(), delta(tUp, tDown, OUT, IN, m1));

            float[] hidden = values(TOKENS * IN, 30);
            float[] image = values(CONV_IN * SIDE * SIDE, 31);
            Map<String, float[]> base = run(model, null, null, hidden, image, fp16);
            Map<String, float[]> out = run(model, merged.unet(), merged.textEncoder(), hidden, image, fp16);

            double tol = fp16 ? 2e-2 : 1e-5;
            assertClose(out.get("q"), linear(hidden, expectedQ), tol);
            assertClose(out.get("k"), linear(hidden, expectedK), tol);
            assertClose(out.get("conv"), conv3x3(image, expectedConv), tol);
            assertClose(out.get("te"), addBias(linear(hidden, expectedTe), teBias()), tol);
            // and the override really took effect: the unmerged model gives the unmerged result
            assertClose(base.get("q"), linear(hidden, toQ()), tol);
            assertThat(maxDiff(base.get("q"), out.get("q"))).isGreaterThan(0.05);
            assertThat(maxDiff(base.get("conv"), out.get("conv"))).isGreaterThan(0.05);
        }
    }

    @ParameterizedTest(name = "external={0}")
    @CsvSource({"false", "true"})
    void sessionsKeepTheirOwnCopyOfTheMergedWeightsSoTheBuffersCanBeReleased(boolean external) throws Exception {
        Path model = OnnxFixtures.write(dir.resolve("model"), false, external);
        ModelWeights weights = OnnxWeightResolver.resolve(model);
        Path kohya = new SafetensorsWriter()
                .f32(kohyaKey(TO_Q, "lora_unet_") + ".lora_down.weight", new long[] {RANK, IN}, values(RANK * IN, 41))
                .f32(kohyaKey(TO_Q, "lora_unet_") + ".lora_up.weight", new long[] {OUT, RANK}, values(OUT * RANK, 42))
                .f32(kohyaKey(CONV, "lora_unet_") + ".lora_down.weight", new long[] {RANK, CONV_IN * 9},
                        values(RANK * CONV_IN * 9, 43))
                .f32(kohyaKey(CONV, "lora_unet_") + ".lora_up.weight", new long[] {CONV_OUT, RANK}, values(CONV_OUT * RANK, 44))
                .write(dir.resolve("k.safetensors"));
        MergedLoras merged = new LoraMerger(weights, null).merge(LoraSet.of(kohya, 1.0));
        MergedWeights unet = merged.unet();
        float[] hidden = values(TOKENS * IN, 30);
        float[] image = values(CONV_IN * SIDE * SIDE, 31);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = unet.createSession(ENV, model, options)) {
            Map<String, float[]> before = run(session, hidden, image, false);
            assertThat(maxDiff(before.get("q"), linear(hidden, toQ()))).isGreaterThan(0.05); // the LoRA is in
            java.util.List<java.nio.ByteBuffer> buffers = unet.tensors().values().stream()
                    .map(MergedWeights.Tensor::data).toList();
            merged.release();
            for (java.nio.ByteBuffer b : buffers) { // what ONNX Runtime would read, were it not its own copy
                for (int i = 0; i < b.capacity(); i++) {
                    b.put(i, (byte) 0x7f);
                }
            }
            assertThat(unet.tensors().values()).allSatisfy(t -> assertThat(t.data()).isNull());
            Map<String, float[]> after = run(session, hidden, image, false);
            assertThat(after.get("q")).containsExactly(before.get("q"));
            assertThat(after.get("conv")).containsExactly(before.get("conv"));
        }
    }

    @org.junit.jupiter.api.Test
    void aModelIsReadWithoutItsWeightsAndItsShellPointsIntoTheFile() throws Exception {
        Path model = OnnxFixtures.write(dir.resolve("model"), false, false);
        OnnxModelFile file = OnnxModelFile.read(model);
        long weightBytes = 0;
        for (var t : file.graph().getInitializerList()) {
            assertThat(t.getRawData().isEmpty() && t.getFloatDataCount() == 0).as(t.getName()).isTrue();
            var span = file.inlineData(t.getName());
            if (span != null) {
                weightBytes += span.length();
            }
        }
        assertThat(weightBytes).isGreaterThan(0);
        // every weight's bytes are where the span says: compare with the model parsed whole by protobuf
        var whole = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        byte[] bytes = Files.readAllBytes(model);
        for (var t : whole.getGraph().getInitializerList()) {
            if (!t.getRawData().isEmpty()) {
                var span = file.inlineData(t.getName());
                assertThat(java.util.Arrays.copyOfRange(bytes, (int) span.offset(), (int) (span.offset() + span.length())))
                        .isEqualTo(t.getRawData().toByteArray());
            }
        }
        var shell = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(file.shell());
        assertThat(shell.getGraph().getInitializerList()).allSatisfy(t -> {
            if (file.inlineData(t.getName()) != null) {
                assertThat(t.getDataLocation()).isEqualTo(ai.onnx.proto.OnnxMl.TensorProto.DataLocation.EXTERNAL);
                assertThat(t.getExternalData(0).getValue()).isEqualTo(model.getFileName().toString());
            }
        });
        assertThat(shell.getGraph().getNodeList()).isEqualTo(whole.getGraph().getNodeList());
    }

    private static Map<String, float[]> run(OrtSession session, float[] hidden, float[] image, boolean fp16)
            throws OrtException {
        try (OnnxTensor h = tensor(hidden, new long[] {1, TOKENS, IN}, fp16);
             OnnxTensor i = tensor(image, new long[] {1, CONV_IN, SIDE, SIDE}, fp16);
             OrtSession.Result result = session.run(Map.of("hidden", h, "image", i))) {
            Map<String, float[]> outputs = new HashMap<>();
            for (var e : result) {
                var buffer = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                outputs.put(e.getKey(), values);
            }
            return outputs;
        }
    }

    static String kohyaKey(String module, String prefix) {
        return prefix + module.replace('.', '_');
    }

    private static Map<String, float[]> run(Path model, MergedWeights unet, MergedWeights te, float[] hidden,
                                            float[] image, boolean fp16) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // The fixture holds "UNet" and "text encoder" in one graph: their merged weights go into one session.
            MergedWeights both = unet == null ? null : MergedWeights.union(unet, te);
            try (OrtSession session = both == null ? ENV.createSession(model.toString(), options)
                    : both.createSession(ENV, model, options)) {
                return run(session, hidden, image, fp16);
            }
        }
    }

    private static OnnxTensor tensor(float[] values, long[] shape, boolean fp16) throws OrtException {
        if (!fp16) {
            return OnnxTensor.createTensor(ENV, java.nio.FloatBuffer.wrap(values), shape);
        }
        ShortBuffer half = ByteBuffer.allocateDirect(values.length * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
        for (float v : values) {
            half.put(Float16.fromFloat(v));
        }
        return OnnxTensor.createTensor(ENV, half.rewind(), shape, OnnxJavaType.FLOAT16);
    }

    private static float[] round(float[] v, boolean bf16) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = bf16 ? Float16.bf16ToFloat(Float16.floatToBf16(v[i])) : v[i];
        }
        return r;
    }

    /** scale * up[out, r] @ down[r, in], torch layout. */
    static float[] delta(float[] up, float[] down, int out, int in, double scale) {
        float[] d = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int k = 0; k < RANK; k++) {
                    s += up[o * RANK + k] * down[k * in + i];
                }
                d[o * in + i] = (float) (scale * s);
            }
        }
        return d;
    }

    private static float[] add(float[] w, float[]... deltas) {
        float[] r = w.clone();
        for (float[] d : deltas) {
            for (int i = 0; i < r.length; i++) {
                r[i] += d[i];
            }
        }
        return r;
    }

    /** hidden[TOKENS, IN] @ W^T with W [OUT, IN]. */
    private static float[] linear(float[] hidden, float[] w) {
        float[] y = new float[TOKENS * OUT];
        for (int t = 0; t < TOKENS; t++) {
            for (int o = 0; o < OUT; o++) {
                double s = 0;
                for (int i = 0; i < IN; i++) {
                    s += hidden[t * IN + i] * w[o * IN + i];
                }
                y[t * OUT + o] = (float) s;
            }
        }
        return y;
    }

    private static float[] addBias(float[] y, float[] bias) {
        float[] r = y.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += bias[i % OUT];
        }
        return r;
    }

    /** 3x3 convolution, stride 1, zero padding 1, no bias: [1, CONV_IN, S, S] -> [1, CONV_OUT, S, S]. */
    private static float[] conv3x3(float[] x, float[] w) {
        float[] y = new float[CONV_OUT * SIDE * SIDE];
        for (int o = 0; o < CONV_OUT; o++) {
            for (int r = 0; r < SIDE; r++) {
                for (int c = 0; c < SIDE; c++) {
                    double s = 0;
                    for (int i = 0; i < CONV_IN; i++) {
                        for (int kr = 0; kr < 3; kr++) {
                            for (int kc = 0; kc < 3; kc++) {
                                int rr = r + kr - 1, cc = c + kc - 1;
                                if (rr >= 0 && rr < SIDE && cc >= 0 && cc < SIDE) {
                                    s += x[(i * SIDE + rr) * SIDE + cc] * w[((o * CONV_IN + i) * 3 + kr) * 3 + kc];
                                }
                            }
                        }
                    }
                    y[(o * SIDE + r) * SIDE + c] = (float) s;
                }
            }
        }
        return y;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** |actual - expected| <= tol * max(1, |expected|) element-wise. */
    private static void assertClose(float[] actual, float[] expected, double tol) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tol * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
