package dev.troupe.renderer;

import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdxlFixture;
import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.SafetensorsWriter;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * LoRAs for SDXL's second text encoder ({@code lora_te2_*}, diffusers' {@code text_encoder_2.*}), on the SDXL fixture
 * whose second encoder gives its penultimate states through one Linear, {@link SdxlFixture#SECOND_FC2} (the
 * identity). A LoRA on a Linear adds {@code delta = multiplier * alpha / r * up @ down} ({@code [out, in]}) to its
 * torch weight, so the states become {@code x + delta x}: worked here from the factors, not read from the merger.
 */
class SdxlLoraTest {
    private static final SessionFactory CPU = new SessionFactory(ExecutionProvider.CPU, 1);
    private static final int D1 = SdxlFixture.HIDDEN_1;
    private static final int D2 = SdxlFixture.HIDDEN_2;
    private static final int RANK = 2;
    private static final String KOHYA = "lora_te2_" + SdxlFixture.SECOND_FC2.replace('.', '_');

    @TempDir
    Path dir;

    private static final float[] DOWN = LoraSessionsTest.values(RANK * D2, 11, 0.5); // [r, in]
    private static final float[] UP = LoraSessionsTest.values(D2 * RANK, 12, 0.5);   // [out, r]

    private Path kohyaLora(String name, float alpha) throws IOException {
        return new SafetensorsWriter()
                .f32(KOHYA + ".lora_down.weight", new long[] {RANK, D2}, DOWN)
                .f32(KOHYA + ".lora_up.weight", new long[] {D2, RANK}, UP)
                .f32(KOHYA + ".alpha", new long[] {}, new float[] {alpha})
                .write(dir.resolve(name));
    }

    /** The second encoder's penultimate states of "a red shirt" after the LoRA: x + scale * up @ (down @ x) per token. */
    private static float[] expectedSecond(float[] plain, double scale) {
        float[] out = plain.clone();
        for (int t = 0; t < plain.length / D2; t++) {
            for (int o = 0; o < D2; o++) {
                double sum = 0;
                for (int i = 0; i < D2; i++) {
                    double delta = 0;
                    for (int k = 0; k < RANK; k++) {
                        delta += UP[o * RANK + k] * DOWN[k * D2 + i];
                    }
                    sum += scale * delta * plain[t * D2 + i];
                }
                out[t * D2 + o] += (float) sum;
            }
        }
        return out;
    }

    /** The states of B prompts cut into the first encoder's part and the second's, each [B * 77, D]. */
    private static float[][] split(PromptEmbeddings e) {
        int tokens = e.count() * e.length();
        float[] first = new float[tokens * D1], second = new float[tokens * D2];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(e.states(), t * (D1 + D2), first, t * D1, D1);
            System.arraycopy(e.states(), t * (D1 + D2) + D1, second, t * D2, D2);
        }
        return new float[][] {first, second};
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-4f * Math.max(1, Math.abs(expected[i]))));
        }
    }

    @Test
    void aGlobalLoraMergesItsSecondEncoderKeysIntoTextEncoder2() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("sdxl"), SdxlFixture.Variant.base());
        Path lora = kohyaLora("te2.safetensors", 1f); // alpha 1, rank 2: scale multiplier / 2
        float[][] plain;
        try (StableDiffusionModel base = StableDiffusionModel.load(model, CPU)) {
            plain = split(base.promptEncoder().encode(List.of("a red shirt")));
        }
        try (StableDiffusionModel merged = StableDiffusionModel.load(model, CPU, LoraSet.of(lora, 0.8))) {
            LoraReport report = merged.loraReports().get(0);
            assertThat(report.matchedModules()).isEqualTo(1);
            assertThat(report.unmatchedKeys()).isEmpty();
            PromptEmbeddings e = merged.promptEncoder().encode(List.of("a red shirt"));
            float[][] states = split(e);
            assertThat(states[0]).containsExactly(plain[0]); // the first encoder is untouched
            assertClose(states[1], expectedSecond(plain[1], 0.8 * 1 / RANK));
            assertThat(states[1]).isNotEqualTo(plain[1]);
        }
    }

    @Test
    void diffusersNamesForTheSecondEncoderMatchToo() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("sdxl"), SdxlFixture.Variant.base());
        String stem = "text_encoder_2." + SdxlFixture.SECOND_FC2;
        Path lora = new SafetensorsWriter()
                .f32(stem + ".lora_A.weight", new long[] {RANK, D2}, DOWN)
                .f32(stem + ".lora_B.weight", new long[] {D2, RANK}, UP)
                .write(dir.resolve("peft.safetensors")); // no alpha anywhere: scale 1
        float[][] plain;
        try (StableDiffusionModel base = StableDiffusionModel.load(model, CPU)) {
            plain = split(base.promptEncoder().encode(List.of("a red shirt")));
        }
        try (StableDiffusionModel merged = StableDiffusionModel.load(model, CPU, LoraSet.of(lora, 1.0))) {
            assertThat(merged.loraReports().get(0).unmatchedKeys()).isEmpty();
            assertClose(split(merged.promptEncoder().encode(List.of("a red shirt")))[1], expectedSecond(plain[1], 1.0));
        }
    }

    @Test
    void aRegionVariantGetsItsOwnSecondEncoderAndLeavesTheModelsAlone() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("sdxl"), SdxlFixture.Variant.base());
        LoraSet set = LoraSet.of(kohyaLora("te2.safetensors", 2f), 1.0); // alpha = rank: scale 1
        try (StableDiffusionModel m = StableDiffusionModel.load(model, CPU);
             LoraSessions sessions = new LoraSessions(m, LoraSessions.DEFAULT_BUDGET_BYTES)) {
            float[][] plain = split(m.promptEncoder().encode(List.of("a red shirt")));
            try (LoraSessions.Lease lease = sessions.lease(List.of(set))) {
                LoraSessions.Variant v = lease.get(set);
                assertThat(v.hasOwnTextEncoder()).isTrue();
                assertThat(v.prompts().first()).isSameAs(m.textEncoder());
                assertThat(v.prompts().second()).isNotSameAs(m.textEncoder2());
                float[][] own = split(v.prompts().encode(List.of("a red shirt")));
                assertThat(own[0]).containsExactly(plain[0]);
                assertClose(own[1], expectedSecond(plain[1], 1.0));
                // the model's own encoders are unchanged, and so is the pooled projection (not a target here)
                assertThat(split(m.promptEncoder().encode(List.of("a red shirt")))[1]).containsExactly(plain[1]);
                assertThat(v.prompts().encode(List.of("a red shirt")).pooled())
                        .containsExactly(m.promptEncoder().encode(List.of("a red shirt")).pooled());
            }
            assertThat(sessions.describe()).contains("own second text encoder");
        }
    }

    @Test
    void onAModelWithOneTextEncoderSecondEncoderKeysAreReportedUnmatchedWithTheReason() throws Exception {
        Path model = SdFixture.write(dir.resolve("sd15"), SdFixture.Variant.standard());
        SdFixture.addTextProjection(model, SdFixture.Variant.standard());
        int d = SdFixture.Variant.standard().hidden();
        Path lora = new SafetensorsWriter()
                .f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", new long[] {RANK, d},
                        LoraSessionsTest.values(RANK * d, 3, 0.5))
                .f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", new long[] {d, RANK},
                        LoraSessionsTest.values(RANK * d, 4, 0.5))
                .f32(KOHYA + ".lora_down.weight", new long[] {RANK, D2}, DOWN)
                .f32(KOHYA + ".lora_up.weight", new long[] {D2, RANK}, UP)
                .write(dir.resolve("sdxl-lora.safetensors"));
        try (StableDiffusionModel merged = StableDiffusionModel.load(model, CPU, LoraSet.of(lora, 1.0))) {
            LoraReport report = merged.loraReports().get(0);
            assertThat(report.matchedModules()).isEqualTo(1);
            assertThat(report.unmatchedKeys()).hasSize(2).allSatisfy(key -> assertThat(key)
                    .startsWith(KOHYA).contains("the model has no second text encoder"));
        }
    }
}
