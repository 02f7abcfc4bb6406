package dev.troupe.renderer;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.SafetensorsWriter;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoRA sets on a whole fixture model: merged at load time (global {@code --lora}) and as cached per-region
 * variants. The reference is a second copy of the fixture whose ONNX weights this test patched itself.
 */
class LoraSessionsTest {
    private static final int C = 4;      // latent channels of the standard fixture
    private static final int D = 8;      // text width of the standard fixture
    private static final int RANK = 2;
    private static final SessionFactory SESSIONS = new SessionFactory(ExecutionProvider.CPU, 1);

    @TempDir
    Path dir;

    /** A fixture with a text projection, so both networks have weights a LoRA can target. */
    private Path fixture(String name) throws IOException {
        Path folder = SdFixture.write(dir.resolve(name), SdFixture.Variant.standard());
        SdFixture.addTextProjection(folder, SdFixture.Variant.standard());
        return folder;
    }

    static float[] values(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** Kohya LoCon on conv_in ([r, C, 3, 3] / [C, r, 1, 1], alpha 1) and optionally the text projection. */
    static Path writeLora(Path file, long seed, boolean textEncoder) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .f32("lora_unet_conv_in.lora_down.weight", new long[] {RANK, C, 3, 3}, values(RANK * C * 9, seed, 0.5))
                .f32("lora_unet_conv_in.lora_up.weight", new long[] {C, RANK, 1, 1}, values(C * RANK, seed + 1, 0.5))
                .f32("lora_unet_conv_in.alpha", new long[] {}, new float[] {1f});
        if (textEncoder) {
            w.f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", new long[] {RANK, D},
                    values(RANK * D, seed + 2, 0.5));
            w.f32("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", new long[] {D, RANK},
                    values(D * RANK, seed + 3, 0.5));
        }
        return w.write(file);
    }

    /** scale * up[out, r] @ down[r, in]. */
    private static float[] delta(float[] up, float[] down, int out, int in, double scale) {
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

    /** Adds {@code delta} to an inline fp32 initializer of an ONNX file, in place. */
    private static void patch(Path model, String initializer, float[] delta) throws IOException {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        ModelProto.Builder b = proto.toBuilder();
        boolean found = false;
        for (TensorProto.Builder t : b.getGraphBuilder().getInitializerBuilderList()) {
            if (t.getName().equals(initializer)) {
                ByteBuffer raw = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(raw.capacity()).isEqualTo(delta.length * 4);
                for (int i = 0; i < delta.length; i++) {
                    raw.putFloat(4 * i, raw.getFloat(4 * i) + delta[i]);
                }
                t.setRawData(ByteString.copyFrom(raw.array()));
                found = true;
            }
        }
        assertThat(found).as(initializer).isTrue();
        Files.write(model, b.build().toByteArray());
    }

    private static float[] predict(UNet unet, float[] sample, float[] context) {
        float[] out = new float[sample.length];
        try (UNet.Batch batch = unet.batch(1, C, 8, 8, SdFixture.LENGTH, D)) {
            batch.setEncoderHiddenStates(context);
            batch.predict(sample, 500, out);
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) Math.abs(actual[i] - expected[i])).as("element %d", i).isLessThanOrEqualTo(1e-5 * scale);
        }
    }

    /**
     * LCM-LoRA (latent-consistency/lcm-lora-sdv1-5 ships kohya keys with alphas) goes through the ordinary LoRA path:
     * merged into the UNet, then drawn with the LCM sampler in 4 steps without guidance (one UNet sample per step), it
     * gives the image of a fixture whose weights the test merged by hand.
     */
    @Test
    void anLcmLoraDrawsWithTheLcmSamplerWithoutGuidanceLikeAHandMergedModel() throws Exception {
        Path model = fixture("lcm");
        Path lora = writeLora(dir.resolve("lcm-lora.safetensors"), 21, false);
        Path reference = fixture("lcm-reference");
        patch(reference.resolve("unet/model.onnx"), "conv_in.weight",
                delta(values(C * RANK, 22, 0.5), values(RANK * C * 9, 21, 0.5), C, C * 9, 1.0 / RANK));
        RenderRequest request = new RenderRequest("a red shirt", "", 64, 64, 4, 1.0,
                dev.troupe.renderer.scheduler.Sampler.LCM, 5);
        try (StableDiffusionModel merged = StableDiffusionModel.load(model, SESSIONS, LoraSet.of(lora, 1.0));
             StableDiffusionModel expected = StableDiffusionModel.load(reference, SESSIONS);
             StableDiffusionModel plain = StableDiffusionModel.load(model, SESSIONS)) {
            RenderResult drawn = new Text2ImagePipeline(merged).render(request);
            assertThat(drawn.unetBatch()).isEqualTo(1);
            byte[] want = new Text2ImagePipeline(expected).render(request).image().rgb();
            byte[] got = drawn.image().rgb();
            for (int i = 0; i < got.length; i++) {
                assertThat(Math.abs((got[i] & 255) - (want[i] & 255))).as("byte %d", i).isLessThanOrEqualTo(1);
            }
            assertThat(new Text2ImagePipeline(plain).render(request).image().rgb()).isNotEqualTo(got);
        }
    }

    @Test
    void globalLoraGivesTheOutputOfAFixtureWhoseWeightsTheTestMergedItself() throws Exception {
        Path model = fixture("sd");
        Path lora = writeLora(dir.resolve("both.safetensors"), 7, true);
        double m = 0.7;
        Path reference = fixture("reference");
        // conv_in: LoCon, alpha 1 of rank 2; text projection: no alpha (scale 1), MatMul weight stored [in, out]
        patch(reference.resolve("unet/model.onnx"), "conv_in.weight",
                delta(values(C * RANK, 8, 0.5), values(RANK * C * 9, 7, 0.5), C, C * 9, m * 1 / RANK));
        float[] te = delta(values(D * RANK, 10, 0.5), values(RANK * D, 9, 0.5), D, D, m);
        float[] teTransposed = new float[D * D];
        for (int o = 0; o < D; o++) {
            for (int i = 0; i < D; i++) {
                teTransposed[i * D + o] = te[o * D + i];
            }
        }
        patch(reference.resolve("text_encoder/model.onnx"), "onnx::MatMul_900", teTransposed);

        float[] sample = values(C * 64, 11, 1.0);
        try (StableDiffusionModel merged = StableDiffusionModel.load(model, SESSIONS, LoraSet.of(lora, m));
             StableDiffusionModel expected = StableDiffusionModel.load(reference, SESSIONS);
             StableDiffusionModel plain = StableDiffusionModel.load(model, SESSIONS)) {
            assertThat(merged.loraReports()).singleElement().satisfies(r -> {
                assertThat(r.matchedModules()).isEqualTo(2);
                assertThat(r.unmatchedKeys()).isEmpty();
            });
            float[] context = merged.textEncoder().encode(List.of("a red shirt"));
            assertClose(context, expected.textEncoder().encode(List.of("a red shirt")));
            assertClose(predict(merged.unet(), sample, context), predict(expected.unet(), sample, context));
            // and the LoRA did something
            assertThat(plain.textEncoder().encode(List.of("a red shirt"))).isNotEqualTo(context);
            assertThat(predict(plain.unet(), sample, context)).isNotEqualTo(predict(merged.unet(), sample, context));
        }
    }

    @Test
    void eachDistinctSetIsBuiltOnceAndEqualMergesShareSessions() throws Exception {
        Path conv = writeLora(dir.resolve("conv.safetensors"), 1, false);
        Path both = writeLora(dir.resolve("both.safetensors"), 2, true);
        try (StableDiffusionModel model = StableDiffusionModel.load(fixture("sd"), SESSIONS);
             LoraSessions cache = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES)) {
            LoraSet a = LoraSet.of(conv, 1.0);
            // the same file by another path, split in two halves: the same merge
            Path other = dir.resolve("x/../conv.safetensors");
            LoraSet sameAsA = new LoraSet(List.of(new LoraSet.Entry(other, 0.25), new LoraSet.Entry(conv, 0.75)));
            LoraSet b = LoraSet.of(both, 0.5);
            LoraSet none = new LoraSet(List.of());
            LoraSet zero = LoraSet.of(both, 0);
            try (LoraSessions.Lease lease = cache.lease(List.of(a, sameAsA, b, none, zero))) {
                assertThat(cache.builds()).isEqualTo(2);
                assertThat(lease.get(sameAsA).unet()).isSameAs(lease.get(a).unet());
                assertThat(lease.get(b).unet()).isNotSameAs(lease.get(a).unet()).isNotSameAs(model.unet());
                assertThat(lease.get(none).unet()).isSameAs(model.unet());
                assertThat(lease.get(zero).unet()).isSameAs(model.unet());
                // a text-encoder LoRA gets its own encoder; a UNet-only LoRA shares the model's
                assertThat(lease.get(a).hasOwnTextEncoder()).isFalse();
                assertThat(lease.get(a).prompts().first()).isSameAs(model.textEncoder());
                assertThat(lease.get(b).hasOwnTextEncoder()).isTrue();
                assertThat(lease.get(b).prompts().first().encode(List.of("a red shirt")))
                        .isNotEqualTo(model.textEncoder().encode(List.of("a red shirt")));
                assertThat(lease.get(b).bytes()).isPositive();
            }
            try (LoraSessions.Lease again = cache.lease(List.of(b, a))) {
                assertThat(cache.builds()).isEqualTo(2);
                assertThat(cache.resident()).hasSize(2);
            }
            assertThat(cache.describe()).contains("budget 4096.0 MiB", "2 resident", "conv.safetensors:1.0",
                    "both.safetensors:0.5", "own text encoder");
        }
    }

    @Test
    void theBudgetEvictsLeastRecentlyUsedAndRefusesWhatOneRenderCannotHold() throws Exception {
        Path conv = writeLora(dir.resolve("conv.safetensors"), 1, false);
        try (StableDiffusionModel model = StableDiffusionModel.load(fixture("sd"), SESSIONS);
             LoraSessions cache = new LoraSessions(model, 1)) { // one byte: room for one variant at a time
            LoraSet a = LoraSet.of(conv, 1.0);
            LoraSet b = LoraSet.of(conv, 2.0);
            try (LoraSessions.Lease lease = cache.lease(List.of(a))) {
                assertThat(cache.builds()).isEqualTo(1);
            }
            try (LoraSessions.Lease lease = cache.lease(List.of(b))) {
                assertThat(cache.evictions()).isEqualTo(1);
                assertThat(cache.resident()).singleElement().satisfies(v -> assertThat(v.loras().entries())
                        .singleElement().satisfies(e -> assertThat(e.multiplier()).isEqualTo(2.0)));
            }
            assertThatThrownBy(() -> cache.lease(List.of(a, b))).isInstanceOf(UserInputException.class)
                    .hasMessageContaining("--lora-memory").hasMessageContaining("--mode composite");
            // nothing stays pinned after the refusal: a single set still fits
            try (LoraSessions.Lease lease = cache.lease(List.of(a))) {
                assertThat(lease.get(a).unet()).isNotSameAs(model.unet());
            }
        }
    }

    @Test
    void aResidentSetIsLeasedWhileAnotherIsBeingBuiltAndASetIsBuiltOnce() throws Exception {
        Path conv = writeLora(dir.resolve("conv.safetensors"), 1, false);
        Path other = writeLora(dir.resolve("other.safetensors"), 2, false);
        LoraSet resident = LoraSet.of(conv, 1.0);
        LoraSet slow = LoraSet.of(other, 1.0);
        java.util.concurrent.CountDownLatch building = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try (StableDiffusionModel model = StableDiffusionModel.load(fixture("sd"), SESSIONS);
             LoraSessions cache = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES, set -> {
                 if (set.entries().get(0).file().getFileName().toString().equals("other.safetensors")) {
                     building.countDown();
                     try {
                         release.await(); // the build of the slow set holds here until the test lets it go
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                 }
             })) {
            UNet residentUnet;
            try (LoraSessions.Lease first = cache.lease(List.of(resident))) {
                residentUnet = first.get(resident).unet();
            }
            try {
                var builder = pool.submit(() -> {
                    try (LoraSessions.Lease l = cache.lease(List.of(slow))) {
                        return l.get(slow).unet();
                    }
                });
                assertThat(building.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                // another worker asks for the same slow set: it waits for that build, it does not start another
                var follower = pool.submit(() -> {
                    try (LoraSessions.Lease l = cache.lease(List.of(slow, resident))) {
                        return l.get(slow).unet();
                    }
                });
                // a worker asking for the resident set is served now, while the slow build is held
                var quick = pool.submit(() -> {
                    try (LoraSessions.Lease l = cache.lease(List.of(resident))) {
                        return l.get(resident).unet();
                    }
                });
                assertThat(quick.get(10, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(residentUnet);
                assertThat(follower.isDone()).isFalse();
                assertThat(cache.resident()).hasSize(1); // the slow set is not resident until it is built
                release.countDown();
                UNet built = builder.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(follower.get(60, java.util.concurrent.TimeUnit.SECONDS)).isSameAs(built);
                assertThat(cache.builds()).isEqualTo(2);
                assertThat(cache.resident()).hasSize(2);
            } finally {
                release.countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aFailedBuildFailsEveryWaiterAndIsTriedAgainLater() throws Exception {
        Path broken = dir.resolve("broken.safetensors");
        Files.write(broken, new byte[] {1, 0, 0});
        LoraSet set = LoraSet.of(broken, 1.0);
        try (StableDiffusionModel model = StableDiffusionModel.load(fixture("sd"), SESSIONS);
             LoraSessions cache = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES)) {
            assertThatThrownBy(() -> cache.lease(List.of(set))).isInstanceOf(UserInputException.class)
                    .hasMessageContaining("broken.safetensors");
            writeLora(broken, 3, false); // fixed on disk: the next lease builds it
            try (LoraSessions.Lease lease = cache.lease(List.of(set))) {
                assertThat(lease.get(set).unet()).isNotSameAs(model.unet());
            }
            assertThat(cache.builds()).isEqualTo(1);
        }
    }

    @Test
    void aBadLoraFileIsOneClearUserError() throws Exception {
        Path hostile = dir.resolve("hostile.safetensors");
        Files.write(hostile, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, 0x7f, '{', '}'});
        assertThatThrownBy(() -> StableDiffusionModel.load(fixture("sd"), SESSIONS, LoraSet.of(hostile, 1.0)))
                .isInstanceOf(UserInputException.class).hasMessageContaining("hostile.safetensors");
    }
}
