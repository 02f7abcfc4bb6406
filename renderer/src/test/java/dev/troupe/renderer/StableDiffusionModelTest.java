package dev.troupe.renderer;

import ai.onnxruntime.OnnxJavaType;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdFixture.Variant;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.renderer.tokenizer.ClipBpeTokenizer;
import dev.troupe.renderer.tokenizer.HuggingFacePromptTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StableDiffusionModelTest {

    private static final SessionFactory CPU = new SessionFactory(ExecutionProvider.CPU, 1);

    @TempDir
    Path dir;

    private static RenderRequest request(long seed, double guidance, Sampler sampler) {
        return new RenderRequest("a person in a red shirt", "blue hat", 32, 24, 4, guidance, sampler, seed);
    }

    @Test
    void loadsTheStandardLayoutAndReadsGeometryFromConfigsAndSessions() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            assertThat(model.textEncoder().int64Ids()).isFalse();
            assertThat(model.textEncoder().length()).isEqualTo(77);
            assertThat(model.textEncoder().hiddenSize()).isEqualTo(8);
            assertThat(model.textEncoder().tokenizer()).isInstanceOf(HuggingFacePromptTokenizer.class);
            assertThat(model.vaeDecoder().latentChannels()).isEqualTo(4);
            assertThat(model.vaeDecoder().pixelFactor()).isEqualTo(8); // found by decoding, no upscale_factor
            assertThat(model.vaeDecoder().scalingFactor()).isEqualTo(0.18215);
            assertThat(model.unet().isHalf()).isFalse();
            assertThat(model.unet().timestepType()).isEqualTo(OnnxJavaType.INT64);
            assertThat(model.hash()).hasSize(64).isEqualTo(model.hash());
        }
    }

    @Test
    void sameSeedSameImageOtherSeedOtherImage() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            RenderResult first = pipeline.render(request(7, 3, Sampler.DDIM));
            RenderResult again = pipeline.render(request(7, 3, Sampler.DDIM));
            RenderResult other = pipeline.render(request(8, 3, Sampler.DDIM));
            assertThat(first.image().width()).isEqualTo(32);
            assertThat(first.image().height()).isEqualTo(24);
            assertThat(again.image().rgb()).isEqualTo(first.image().rgb());
            assertThat(other.image().rgb()).isNotEqualTo(first.image().rgb());
        }
    }

    @Test
    void guidanceRunsNegativeAndPositiveInOneBatchAndSkipsItAtOne() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            RenderResult guided = pipeline.render(request(1, 5, Sampler.EULER));
            RenderResult plain = pipeline.render(request(1, 1, Sampler.EULER));
            assertThat(guided.unetBatch()).isEqualTo(2);
            assertThat(plain.unetBatch()).isEqualTo(1);
            // one text-encoder run, one UNet run per step, one VAE run
            assertThat(guided.sessionRuns()).isEqualTo(1 + 4 + 1);
            assertThat(plain.sessionRuns()).isEqualTo(1 + 4 + 1);
            assertThat(guided.image().rgb()).isNotEqualTo(plain.image().rgb());
            assertThat(guided.sessionNanos()).isPositive().isLessThanOrEqualTo(guided.totalNanos());
        }
    }

    @ParameterizedTest
    @EnumSource(Sampler.class)
    void everySamplerRendersDeterministicallyAndFollowsTheSeed(Sampler sampler) throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            byte[] first = pipeline.render(request(3, 2, sampler)).image().rgb();
            assertThat(pipeline.render(request(3, 2, sampler)).image().rgb()).isEqualTo(first);
            // NaN latents would decode to the same flat image for every seed
            assertThat(pipeline.render(request(4, 2, sampler)).image().rgb()).isNotEqualTo(first);
        }
    }

    @Test
    void int64InputIds() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard().withInt64Ids()), CPU)) {
            assertThat(model.textEncoder().int64Ids()).isTrue();
            Path int32 = SdFixture.write(dir.resolve("int32"), Variant.standard());
            try (StableDiffusionModel reference = StableDiffusionModel.load(int32, CPU)) {
                // Same weights, only the id dtype differs: the images must be identical.
                assertThat(new Text2ImagePipeline(model).render(request(5, 3, Sampler.DDIM)).image().rgb())
                        .isEqualTo(new Text2ImagePipeline(reference).render(request(5, 3, Sampler.DDIM)).image().rgb());
            }
        }
    }

    @Test
    void fp16ModelConvertsAtTheBoundaryAndMatchesFp32Closely() throws Exception {
        Path fp32 = SdFixture.write(dir.resolve("fp32"), Variant.standard());
        Path fp16 = SdFixture.write(dir.resolve("fp16"), Variant.standard().withFp16());
        try (StableDiffusionModel full = StableDiffusionModel.load(fp32, CPU);
             StableDiffusionModel half = StableDiffusionModel.load(fp16, CPU)) {
            assertThat(half.unet().isHalf()).isTrue();
            assertThat(half.vaeDecoder().isHalf()).isTrue();
            byte[] a = new Text2ImagePipeline(full).render(request(11, 3, Sampler.DDIM)).image().rgb();
            byte[] b = new Text2ImagePipeline(half).render(request(11, 3, Sampler.DDIM)).image().rgb();
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            }
            assertThat(diff / a.length).isLessThan(3.0); // fp16 rounding only, on a 0..255 scale
            assertThat(b).isNotEqualTo(new byte[b.length]);
        }
    }

    @Test
    void unetWithExternalData() throws Exception {
        Path model = SdFixture.write(dir, Variant.standard().withExternalUnet());
        assertThat(model.resolve("unet/weights.pb")).isRegularFile();
        try (StableDiffusionModel loaded = StableDiffusionModel.load(model, CPU)) {
            assertThat(new Text2ImagePipeline(loaded).render(request(2, 3, Sampler.DPMPP_2M)).image().rgb()).isNotEmpty();
        }
        Files.delete(model.resolve("unet/weights.pb"));
        assertThatThrownBy(() -> StableDiffusionModel.load(model, CPU))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("unet/model.onnx");
    }

    @Test
    void clipBpeTokenizerFolder() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard().withClipBpe()), CPU)) {
            assertThat(model.textEncoder().tokenizer()).isInstanceOf(ClipBpeTokenizer.class);
            RenderResult a = new Text2ImagePipeline(model).render(request(4, 3, Sampler.DDIM));
            RenderResult b = new Text2ImagePipeline(model).render(
                    new RenderRequest("shirt", "blue hat", 32, 24, 4, 3, Sampler.DDIM, 4));
            assertThat(a.image().rgb()).isNotEqualTo(b.image().rgb()); // the prompt reaches the image
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"int32", "float32", "float64"})
    void timestepDtypes(String type) throws Exception {
        Path model = SdFixture.write(dir, Variant.standard().withTimestep(type));
        Path reference = SdFixture.write(dir.resolve("int64"), Variant.standard());
        try (StableDiffusionModel m = StableDiffusionModel.load(model, CPU);
             StableDiffusionModel r = StableDiffusionModel.load(reference, CPU)) {
            assertThat(m.unet().timestepType().toString()).isEqualTo(switch (type) {
                case "int32" -> "INT32";
                case "float32" -> "FLOAT";
                default -> "DOUBLE";
            });
            // DDIM timesteps are integers, so every dtype carries the same value.
            assertThat(new Text2ImagePipeline(m).render(request(9, 3, Sampler.DDIM)).image().rgb())
                    .isEqualTo(new Text2ImagePipeline(r).render(request(9, 3, Sampler.DDIM)).image().rgb());
        }
    }

    @Test
    void pixelSpaceModelLikeTheEmbeddedOneLoadsWithoutSpecialCases() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard().pixelSpace()), CPU)) {
            assertThat(model.vaeDecoder().latentChannels()).isEqualTo(3);
            assertThat(model.vaeDecoder().pixelFactor()).isEqualTo(4);
            RgbImage image = new Text2ImagePipeline(model).render(
                    new RenderRequest("red shirt", "", 36, 20, 3, 4, Sampler.DDIM, 1)).image();
            assertThat(image.width()).isEqualTo(36);
            assertThat(image.height()).isEqualTo(20);
        }
    }

    @Test
    void unetTakesAnyBatchAndSizeAndReusesItsBuffers() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU);
             UNet.Batch batch = model.unet().batch(3, 4, 5, 7, 77, 8)) {
            int n = 4 * 5 * 7;
            float[] context = new float[3 * 77 * 8];
            java.util.Arrays.fill(context, 0.5f);
            batch.setEncoderHiddenStates(context);
            float[] sample = new float[3 * n];
            for (int i = 0; i < n; i++) {
                sample[i] = sample[n + i] = sample[2 * n + i] = (float) Math.sin(i);
            }
            float[] at100 = new float[3 * n];
            float[] at900 = new float[3 * n];
            float[] again = new float[3 * n];
            batch.predict(sample, 100, at100);
            batch.predict(sample, 900, at900);
            batch.predict(sample, 100, again);
            assertThat(again).isEqualTo(at100);
            assertThat(at900).isNotEqualTo(at100);
            // identical inputs in every batch slot give identical outputs
            assertThat(java.util.Arrays.copyOfRange(at100, n, 2 * n)).isEqualTo(java.util.Arrays.copyOfRange(at100, 0, n));
        }
    }

    @Test
    void theDenoisingLoopAllocatesNoBuffersPerStep() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
            // 512x512: a 64x64x4 latent is 64 KiB of floats, so one buffer per step would show at once
            RenderRequest few = new RenderRequest("red shirt", "blue hat", 512, 512, 4, 3, Sampler.DPMPP_2M, 1);
            RenderRequest many = new RenderRequest("red shirt", "blue hat", 512, 512, 24, 3, Sampler.DPMPP_2M, 1);
            pipeline.render(many); // warm up the JIT and ONNX Runtime
            long id = Thread.currentThread().getId();
            long start = threads.getThreadAllocatedBytes(id);
            pipeline.render(few);
            long fewBytes = threads.getThreadAllocatedBytes(id) - start;
            start = threads.getThreadAllocatedBytes(id);
            pipeline.render(many);
            long manyBytes = threads.getThreadAllocatedBytes(id) - start;
            long perStep = (manyBytes - fewBytes) / 20;
            assertThat(perStep).as("bytes allocated per extra step").isLessThan(8 * 1024);
        }
    }

    @Test
    void missingFilesAreNamedWithTheExpectedLayout() throws Exception {
        Path model = SdFixture.write(dir, Variant.standard());
        Files.delete(model.resolve("unet/model.onnx"));
        Files.delete(model.resolve("tokenizer/tokenizer.json"));
        assertThatThrownBy(() -> StableDiffusionModel.load(model, CPU))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("missing unet/model.onnx, tokenizer/tokenizer.json")
                .hasMessageContaining("Expected layout");
        assertThatThrownBy(() -> StableDiffusionModel.load(dir.resolve("nowhere"), CPU))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void mismatchedLatentChannelsAreReported() throws Exception {
        Path model = SdFixture.write(dir, Variant.standard());
        Files.writeString(model.resolve("vae_decoder/config.json"), "{\"latent_channels\": 5, \"scaling_factor\": 0.18215}");
        assertThatThrownBy(() -> StableDiffusionModel.load(model, CPU))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("latent_channels 5");
    }

    @Test
    void sizeMustBeAMultipleOfThePixelFactor() throws Exception {
        try (StableDiffusionModel model = StableDiffusionModel.load(SdFixture.write(dir, Variant.standard()), CPU)) {
            assertThatThrownBy(() -> new Text2ImagePipeline(model).render(
                    new RenderRequest("a", "", 30, 24, 2, 3, Sampler.DDIM, 1)))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("multiples of 8");
        }
    }
}
