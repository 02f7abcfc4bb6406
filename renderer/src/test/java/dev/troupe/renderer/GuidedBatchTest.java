package dev.troupe.renderer;

import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdFixture.Variant;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The guided UNet batch against single-sample UNet runs combined by the guidance formula worked here. */
class GuidedBatchTest {
    private static final int C = 4, H = 8, W = 8, D = 8, L = SdFixture.LENGTH, SAMPLE = C * H * W, STATES = L * D;
    @TempDir
    static Path dir;
    private static StableDiffusionModel model;

    @BeforeAll
    static void load() throws Exception {
        model = StableDiffusionModel.load(SdFixture.write(dir.resolve("sd"), Variant.standard()),
                new SessionFactory(ExecutionProvider.CPU, 1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] gaussian(int n, long seed) {
        float[] v = new float[n];
        new GaussianNoise(seed).fill(v, 1.0);
        return v;
    }

    /** One latent against one prompt's states, alone in its batch. */
    private static float[] single(float[] latent, float[] states, double timestep) {
        float[] out = new float[SAMPLE];
        try (UNet.Batch batch = model.unet().batch(1, C, H, W, L, D)) {
            batch.setEncoderHiddenStates(states);
            batch.predict(latent, timestep, out);
        }
        return out;
    }

    private static float[] slice(float[] values, int index, int size) {
        return Arrays.copyOfRange(values, index * size, (index + 1) * size);
    }

    @Test
    void eachLatentGetsUPlusGTimesCMinusUOfItsOwnPrompts() {
        int k = 3;
        double g = 4.5;
        float[] latents = gaussian(k * SAMPLE, 1);
        float[] context = gaussian(2 * k * STATES, 2); // k negative prompts, then k positive ones
        float[] guided;
        try (GuidedBatch batch = new GuidedBatch(model.unet(), new Guidance(g), k, C, H, W, L, D, context, 64)) {
            System.arraycopy(latents, 0, batch.input(), 0, latents.length);
            guided = batch.predict(700).clone();
            assertThat(batch.samples()).isEqualTo(2 * k);
            assertThat(batch.runs()).isEqualTo(1);
        }
        for (int j = 0; j < k; j++) {
            float[] u = single(slice(latents, j, SAMPLE), slice(context, j, STATES), 700);
            float[] c = single(slice(latents, j, SAMPLE), slice(context, k + j, STATES), 700);
            for (int e = 0; e < SAMPLE; e++) {
                double expected = u[e] + g * (c[e] - u[e]);
                assertThat((double) guided[j * SAMPLE + e]).as("latent %d, element %d", j, e)
                        .isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
            }
        }
    }

    @Test
    void aCapSlicesTheUNetRunsAndChangesNoValue() {
        int k = 5;
        float[] latents = gaussian(k * SAMPLE, 3);
        float[] context = gaussian(2 * k * STATES, 4);
        float[] whole = predict(k, latents, context, 3.0, 100);
        for (int cap : new int[] {1, 3, 4}) {
            try (GuidedBatch batch = new GuidedBatch(model.unet(), new Guidance(3.0), k, C, H, W, L, D, context, cap)) {
                System.arraycopy(latents, 0, batch.input(), 0, latents.length);
                assertThat(batch.predict(300)).as("cap %d", cap).isEqualTo(whole);
                assertThat(batch.runs()).isEqualTo((2 * k + cap - 1) / cap);
            }
        }
    }

    @Test
    void withoutGuidanceOnlyThePositivePromptsRun() {
        float[] latent = gaussian(SAMPLE, 5);
        float[] positive = gaussian(STATES, 6);
        try (GuidedBatch batch = new GuidedBatch(model.unet(), new Guidance(1.0), 1, C, H, W, L, D, positive, 8)) {
            System.arraycopy(latent, 0, batch.input(), 0, SAMPLE);
            assertThat(batch.samples()).isEqualTo(1);
            assertThat(batch.predict(300)).isEqualTo(single(latent, positive, 300));
        }
        assertThatThrownBy(() -> new GuidedBatch(model.unet(), new Guidance(7.0), 1, C, H, W, L, D, positive, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 samples need");
    }

    private static float[] predict(int k, float[] latents, float[] context, double g, int cap) {
        try (GuidedBatch batch = new GuidedBatch(model.unet(), new Guidance(g), k, C, H, W, L, D, context, cap)) {
            System.arraycopy(latents, 0, batch.input(), 0, latents.length);
            return batch.predict(300).clone();
        }
    }
}
