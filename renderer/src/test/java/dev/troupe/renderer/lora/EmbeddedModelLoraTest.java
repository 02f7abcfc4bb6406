package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped kohya LoRA {@code models/loras/striped-tops.safetensors} against Troupe's embedded UNet: every key
 * resolves (36 attention projections, including the mid block whose ONNX node names lost their {@code mid_block}
 * scope), and the ONNX UNet with the LoRA merged in by Java gives the output that torch gives with the LoRA applied
 * as it was trained (beside the frozen weights, {@code models/testdata/striped-tops-reference.json}, written by
 * {@code models/train/train.py --export-lora-reference}).
 */
class EmbeddedModelLoraTest {
    static Path root() {
        String property = System.getProperty("troupe.root");
        if (property != null && Files.isDirectory(Path.of(property, "models"))) {
            return Path.of(property);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/embedded"))) {
                return p;
            }
        }
        return null;
    }

    @Test
    void stripedTopsLoraResolvesCompletelyAndRuns() throws Exception {
        Path root = root();
        Path unetFile = root == null ? null : root.resolve("models/embedded/unet/model.onnx");
        Path loraFile = root == null ? null : root.resolve("models/loras/striped-tops.safetensors");
        Assumptions.assumeTrue(unetFile != null && Files.isRegularFile(unetFile) && Files.isRegularFile(loraFile),
                "embedded model or LoRA not present");

        ModelWeights unet = OnnxWeightResolver.resolve(unetFile);
        assertThat(unet.targets()).containsKey("mid_block.attentions.0.transformer_blocks.0.attn1.to_q");
        try (MergedLoras merged = new LoraMerger(unet, null).merge(LoraSet.of(loraFile, 1.0))) {
            LoraReport report = merged.reports().get(0);
            assertThat(report.matchedModules()).isEqualTo(36);
            assertThat(report.unmatchedKeys()).isEmpty();
            assertThat(merged.unet().tensors()).hasSize(36);
            assertThat(merged.unet().bytes()).isEqualTo(36L * 64 * 64 * 4);

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            float[] base = runUnet(env, unetFile, null);
            float[] withLora = runUnet(env, unetFile, merged.unet());
            assertThat(withLora).hasSameSizeAs(base);
            double diff = 0;
            for (int i = 0; i < base.length; i++) {
                assertThat(Float.isFinite(withLora[i])).isTrue();
                diff = Math.max(diff, Math.abs(base[i] - withLora[i]));
            }
            assertThat(diff).isGreaterThan(0);
        }
    }

    @Test
    void mergedInJavaTheLoraGivesTorchsOutput() throws Exception {
        Path root = root();
        Path reference = root == null ? null : root.resolve("models/testdata/striped-tops-reference.json");
        Assumptions.assumeTrue(reference != null && Files.isRegularFile(reference), "reference output not present");
        JsonNode doc = new ObjectMapper().readTree(reference.toFile());
        Path unetFile = root.resolve("models/embedded/unet/model.onnx");
        Path loraFile = root.resolve(doc.get("lora").asText());
        float[] sample = floats(doc.get("sample"));
        float[] context = floats(doc.get("encoder_hidden_states"));
        float[] expectedBase = floats(doc.get("out_sample"));
        float[] expectedLora = floats(doc.get("out_sample_lora"));
        long[] sampleShape = shape(doc.get("sample"));
        long[] contextShape = shape(doc.get("encoder_hidden_states"));
        long timestep = doc.get("timestep").asLong();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelWeights unet = OnnxWeightResolver.resolve(unetFile);
        try (MergedLoras merged = new LoraMerger(unet, null)
                .merge(LoraSet.of(loraFile, doc.get("multiplier").asDouble()))) {
            assertThat(merged.reports().get(0).matchedModules()).isEqualTo(doc.get("modules").asInt());
            float[] base = run(env, unetFile, null, sample, sampleShape, timestep, context, contextShape);
            float[] withLora = run(env, unetFile, merged.unet(), sample, sampleShape, timestep, context, contextShape);
            // the ONNX export is the same network as the checkpoint torch read
            assertThat(maxDiff(base, expectedBase)).isLessThan(1e-4);
            // the LoRA moves the output far more than the tolerance, and the Java merge moves it as torch does
            assertThat(maxDiff(expectedLora, expectedBase)).isGreaterThan(0.05);
            assertThat(maxDiff(withLora, expectedLora)).isLessThan(1e-4);
        }
    }

    private static float[] floats(JsonNode tensor) {
        byte[] bytes = Base64.getDecoder().decode(tensor.get("float32_le_base64").asText());
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static long[] shape(JsonNode tensor) {
        long[] shape = new long[tensor.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = tensor.get("shape").get(i).asLong();
        }
        return shape;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static float[] run(OrtEnvironment env, Path model, MergedWeights weights, float[] sample, long[] sampleShape,
                               long timestep, float[] context, long[] contextShape) throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = weights == null ? env.createSession(model.toString(), options)
                     : weights.createSession(env, model, options);
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), sampleShape);
             OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {timestep}), new long[] {1});
             OnnxTensor c = OnnxTensor.createTensor(env, FloatBuffer.wrap(context), contextShape);
             OrtSession.Result r = session.run(Map.of("sample", x, "timestep", t, "encoder_hidden_states", c))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }

    private static float[] runUnet(OrtEnvironment env, Path model, MergedWeights weights) throws Exception {
        int side = 32;
        float[] sample = OnnxFixtures.values(3 * side * side, 7);
        float[] context = OnnxFixtures.values(77 * 64, 8);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = weights == null ? env.createSession(model.toString(), options)
                     : weights.createSession(env, model, options);
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), new long[] {1, 3, side, side});
             OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {500}), new long[] {1});
             OnnxTensor c = OnnxTensor.createTensor(env, FloatBuffer.wrap(context), new long[] {1, 77, 64});
             OrtSession.Result r = session.run(Map.of("sample", x, "timestep", t, "encoder_hidden_states", c))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }
}
