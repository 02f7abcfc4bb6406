package dev.troupe.renderer.lora;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped kohya LoRA {@code models/loras/striped-tops.safetensors} against Troupe's embedded UNet: every key
 * resolves (36 attention projections, including the mid block whose ONNX node names lost their {@code mid_block}
 * scope) and a session built with the merged weights runs and differs from the base model.
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
