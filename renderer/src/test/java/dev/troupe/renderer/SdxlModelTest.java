package dev.troupe.renderer;

import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdxlFixture;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SDXL on a generated model in the optimum layout ({@link SdxlFixture}): two text encoders with their real output
 * names, a UNet with {@code text_embeds} and {@code time_ids}. The expected text conditioning is worked out here from
 * the token ids and the fixture's stated formulas, as diffusers' {@code StableDiffusionXLPipeline.encode_prompt}
 * combines them: each encoder's {@code hidden_states[-2]}, concatenated on the feature axis, the first encoder's
 * (CLIP ViT-L) features first; the pooled embedding is the second encoder's {@code text_embeds}.
 */
class SdxlModelTest {

    private static final SessionFactory CPU = new SessionFactory(ExecutionProvider.CPU, 1);
    private static final int D1 = SdxlFixture.HIDDEN_1;
    private static final int D2 = SdxlFixture.HIDDEN_2;
    private static final int P = SdxlFixture.POOLED;

    @TempDir
    Path dir;

    /** The word-level tokenizer's ids: [BOS] 2, words by their index in SdFixture.WORDS, [EOS] 3, [PAD] 0 to 77. */
    private static int[] ids(String... words) {
        int[] ids = new int[77];
        ids[0] = 2;
        for (int i = 0; i < words.length; i++) {
            ids[i + 1] = SdFixture.WORDS.indexOf(words[i]);
        }
        ids[words.length + 1] = 3;
        return ids;
    }

    /**
     * The fixture's encoders, written out again: first encoder layer k gives k + id/32 + d/1024, the second
     * -(10 k + id/16 + d/256); the penultimate layers are k = 2 (of hidden_states.0..3) and k = 3 (of 0..4).
     */
    private static float[] expectedStates(int[] ids) {
        float[] states = new float[77 * (D1 + D2)];
        for (int t = 0; t < 77; t++) {
            for (int d = 0; d < D1; d++) {
                states[t * (D1 + D2) + d] = 2 + ids[t] / 32f + d / 1024f;
            }
            for (int d = 0; d < D2; d++) {
                states[t * (D1 + D2) + D1 + d] = -(30 + ids[t] / 16f + d / 256f);
            }
        }
        return states;
    }

    /** text_embeds[p] = sum over the 77 tokens of id/64 + p/8. */
    private static float[] expectedPooled(int[] ids) {
        float[] pooled = new float[P];
        for (int p = 0; p < P; p++) {
            double sum = 0;
            for (int id : ids) {
                sum += id / 64.0 + p / 8.0;
            }
            pooled[p] = (float) sum;
        }
        return pooled;
    }

    @Test
    void readsBothEncodersPenultimateStatesAndCombinesThemAsDiffusers() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdxlFixture.write(dir, SdxlFixture.Variant.base()),
                CPU)) {
            assertThat(model.textEncoder().statesOutput()).isEqualTo("hidden_states.2");
            assertThat(model.textEncoder2().statesOutput()).isEqualTo("hidden_states.3");
            assertThat(model.textEncoder().int64Ids()).isFalse();
            assertThat(model.textEncoder2().int64Ids()).isTrue();
            assertThat(model.unet().takesAddedConditions()).isTrue();
            assertThat(model.vaeDecoder().scalingFactor()).isEqualTo(0.13025);
            PromptEncoder prompts = model.promptEncoder();
            assertThat(prompts.hiddenSize()).isEqualTo(D1 + D2);
            assertThat(prompts.pooledSize()).isEqualTo(P);

            PromptEmbeddings two = prompts.encode(List.of("a red shirt", "blue hat"));
            assertThat(two.count()).isEqualTo(2);
            assertThat(two.length()).isEqualTo(77);
            assertThat(two.hidden()).isEqualTo(D1 + D2);
            int s = 77 * (D1 + D2);
            assertThat(Arrays.copyOfRange(two.states(), 0, s)).containsExactly(expectedStates(ids("a", "red", "shirt")));
            assertThat(Arrays.copyOfRange(two.states(), s, 2 * s)).containsExactly(expectedStates(ids("blue", "hat")));
            assertThat(Arrays.copyOfRange(two.pooled(), 0, P)).containsExactly(expectedPooled(ids("a", "red", "shirt")));
            assertThat(Arrays.copyOfRange(two.pooled(), P, 2 * P)).containsExactly(expectedPooled(ids("blue", "hat")));
        }
    }

    @Test
    void anEmptyNegativePromptIsZerosWhenTheModelForcesItElseTheEncodingOfEmpty() throws Exception {
        float[] emptyStates = expectedStates(ids());
        try (StableDiffusionModel forced = StableDiffusionModel.load(SdxlFixture.write(dir.resolve("forced"),
                SdxlFixture.Variant.base()), CPU);
             StableDiffusionModel unset = StableDiffusionModel.load(SdxlFixture.write(dir.resolve("unset"),
                     SdxlFixture.Variant.base().withForceZeros(null)), CPU);
             StableDiffusionModel encoded = StableDiffusionModel.load(SdxlFixture.write(dir.resolve("encoded"),
                     SdxlFixture.Variant.base().withForceZeros(false)), CPU)) {
            for (StableDiffusionModel zeros : List.of(forced, unset)) { // diffusers' SDXL default is true
                PromptEmbeddings negative = zeros.promptEncoder().encode(List.of("", "blue"), 2);
                assertThat(Arrays.copyOfRange(negative.states(), 0, emptyStates.length)).containsOnly(0f);
                assertThat(Arrays.copyOfRange(negative.pooled(), 0, P)).containsOnly(0f);
                assertThat(Arrays.copyOfRange(negative.states(), emptyStates.length, 2 * emptyStates.length))
                        .containsExactly(expectedStates(ids("blue")));
                // a positive empty prompt is always encoded
                assertThat(zeros.promptEncoder().encode(List.of("")).states()).containsExactly(emptyStates);
            }
            PromptEmbeddings negative = encoded.promptEncoder().encode(List.of(""), 1);
            assertThat(negative.states()).containsExactly(emptyStates);
            assertThat(negative.pooled()).containsExactly(expectedPooled(ids()));
        }
    }

    @Test
    void aSceneEncodesEachDistinctPromptOnceInOneRunOfEachEncoder() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdxlFixture.write(dir, SdxlFixture.Variant.base()),
                CPU)) {
            long runs = model.clock().runs();
            // two negatives (one empty: zeros, as SDXL asks), then positives that repeat, "" among them
            PromptEmbeddings all = model.promptEncoder().encode(List.of("", "blue", "blue", "a red shirt", "blue", ""), 2);
            assertThat(model.clock().runs() - runs).isEqualTo(2); // one per encoder
            assertThat(all.count()).isEqualTo(6);
            int s = 77 * (D1 + D2);
            float[][] states = {new float[s], expectedStates(ids("blue")), expectedStates(ids("blue")),
                    expectedStates(ids("a", "red", "shirt")), expectedStates(ids("blue")), expectedStates(ids())};
            float[][] pooled = {new float[P], expectedPooled(ids("blue")), expectedPooled(ids("blue")),
                    expectedPooled(ids("a", "red", "shirt")), expectedPooled(ids("blue")), expectedPooled(ids())};
            for (int i = 0; i < 6; i++) {
                assertThat(Arrays.copyOfRange(all.states(), i * s, (i + 1) * s)).as("prompt %d", i)
                        .containsExactly(states[i]);
                assertThat(Arrays.copyOfRange(all.pooled(), i * P, (i + 1) * P)).as("pooled %d", i)
                        .containsExactly(pooled[i]);
            }
        }
    }

    @Test
    void drawsSinglePromptImagesWithAndWithoutGuidance() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdxlFixture.write(dir, SdxlFixture.Variant.base()),
                CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            RenderRequest red = new RenderRequest("a red shirt", "", 64, 64, 3, 5.0, Sampler.EULER, 7);
            RenderResult guided = pipeline.render(red);
            assertThat(guided.image().width()).isEqualTo(64);
            assertThat(guided.unetBatch()).isEqualTo(2);
            assertThat(pipeline.render(red).image().rgb()).isEqualTo(guided.image().rgb());
            assertThat(pipeline.render(new RenderRequest("blue hat", "", 64, 64, 3, 5.0, Sampler.EULER, 7)).image()
                    .rgb()).isNotEqualTo(guided.image().rgb());
            RenderResult unguided = pipeline.render(new RenderRequest("a red shirt", "", 64, 64, 3, 1.0,
                    Sampler.EULER, 7));
            assertThat(unguided.unetBatch()).isEqualTo(1); // no unconditional batch
            assertThat(unguided.image().rgb()).isNotEqualTo(guided.image().rgb());
        }
    }

    @Test
    void theUNetSeesTheMicroConditioning() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdxlFixture.write(dir, SdxlFixture.Variant.base()),
                CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            RenderRequest request = new RenderRequest("a red shirt", "", 64, 64, 3, 1.0, Sampler.EULER, 7);
            byte[] whole = pipeline.render(request).image().rgb();
            assertThat(pipeline.render(request, MicroConditioning.whole(64, 64), (s, n) -> { }).image().rgb())
                    .isEqualTo(whole);
            assertThat(pipeline.render(request, MicroConditioning.crop(256, 128, 64, 32, 64, 64), (s, n) -> { })
                    .image().rgb()).isNotEqualTo(whole);
        }
    }

    @Test
    void timeIdsAreOriginalSizeCropTopLeftAndTargetSizeAsHeightThenWidth() {
        // diffusers _get_add_time_ids: list(original_size + crops_coords_top_left + target_size), sizes as (h, w)
        assertThat(MicroConditioning.whole(1024, 768).timeIds()).containsExactly(768, 1024, 0, 0, 768, 1024);
        assertThat(MicroConditioning.crop(2048, 1024, 512, 256, 640, 384).timeIds())
                .containsExactly(1024, 2048, 256, 512, 384, 640);
    }

    @Test
    void aModelWithOnlyOneOfTheSdxlPartsIsRefusedWithWhatIsMissing() throws Exception {
        Path model = SdxlFixture.write(dir.resolve("no-tokenizer"), SdxlFixture.Variant.base());
        Files.delete(model.resolve("tokenizer_2/tokenizer.json"));
        assertThatThrownBy(() -> StableDiffusionModel.load(model, CPU)).isInstanceOf(ModelException.class)
                .hasMessageContaining("tokenizer_2");
        Path noSecond = SdxlFixture.write(dir.resolve("no-second"), SdxlFixture.Variant.base());
        Files.delete(noSecond.resolve("text_encoder_2/model.onnx"));
        assertThatThrownBy(() -> StableDiffusionModel.load(noSecond, CPU)).isInstanceOf(ModelException.class)
                .hasMessageContaining("text_encoder_2");
    }
}
