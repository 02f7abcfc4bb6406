package dev.troupe.renderer;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.fixtures.SdFixture.Variant;
import dev.troupe.renderer.lora.LoraException;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * fp16 and int8 exports loaded as they are, against the float32 model with the same weights: one UNet prediction
 * within the error that the format's rounding allows, worked out here from the float32 weights and the inputs (the
 * fixture UNet is {@code conv3x3(sample) + bias + mean(encoder_hidden_states) + t / 1000}), and the whole pipeline
 * drawing from them.
 */
class LighterExportsTest {

    private static final SessionFactory CPU = new SessionFactory(ExecutionProvider.CPU, 1);
    private static final int C = 4, S = 8, L = SdFixture.LENGTH, D = 8;
    /** Unit roundoff of float16 (11-bit significand, round to nearest): a rounded value is within 2^-11 of it. */
    private static final double U16 = Math.scalb(1.0, -11);
    /** The same for float32, for the arithmetic both models do in float. */
    private static final double U32 = Math.scalb(1.0, -24);

    @TempDir
    Path dir;

    private final float[] sample = gaussian(C * S * S, 1);
    private final float[] context = gaussian(L * D, 2);

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return v;
    }

    private float[] predict(StableDiffusionModel model) {
        float[] out = new float[C * S * S];
        try (UNet.Batch batch = model.unet().batch(1, C, S, S, L, D)) {
            batch.setEncoderHiddenStates(context);
            batch.predict(sample, 500, out);
        }
        return out;
    }

    /** A float32 initializer of the fixture's UNet file, read with the ONNX protobuf classes. */
    private static float[] initializer(Path model, String name) throws IOException {
        return initializer(model, "unet", name);
    }

    private static float[] initializer(Path model, String component, String name) throws IOException {
        for (TensorProto t : ModelProto.parseFrom(Files.readAllBytes(model.resolve(component + "/model.onnx")))
                .getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                java.nio.FloatBuffer f = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
                float[] out = new float[f.remaining()];
                f.get(out);
                return out;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** Per output element: sum over the 3x3 window of f(|w|, |x|) (zero padding contributes nothing). */
    private interface Term {
        double of(double w, double x);
    }

    private double[] convSums(float[] weight, Term term) {
        double[] out = new double[C * S * S];
        for (int co = 0; co < C; co++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    double sum = 0;
                    for (int ci = 0; ci < C; ci++) {
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                int yy = y + ky - 1, xx = x + kx - 1;
                                if (yy >= 0 && yy < S && xx >= 0 && xx < S) {
                                    sum += term.of(Math.abs(weight[((co * C + ci) * 3 + ky) * 3 + kx]),
                                            Math.abs(sample[(ci * S + yy) * S + xx]));
                                }
                            }
                        }
                    }
                    out[(co * S + y) * S + x] = sum;
                }
            }
        }
        return out;
    }

    private double meanAbsContext() {
        double m = 0;
        for (float v : context) {
            m += Math.abs(v);
        }
        return m / context.length;
    }

    @Test
    void anFp16UNetIsWithinFloat16RoundingOfFp32() throws Exception {
        Path fp32 = SdFixture.write(dir.resolve("fp32"), Variant.standard());
        Path fp16 = SdFixture.write(dir.resolve("fp16"), Variant.standard().withFp16());
        float[] weight = initializer(fp32, "conv_in.weight");
        float[] bias = initializer(fp32, "conv_in.bias");
        float[] full;
        float[] half;
        try (StableDiffusionModel a = StableDiffusionModel.load(fp32, CPU);
             StableDiffusionModel b = StableDiffusionModel.load(fp16, CPU)) {
            assertThat(b.unet().isHalf()).isTrue();
            full = predict(a);
            half = predict(b);
        }
        // sample, weights, bias, context and the output are each rounded to float16 once (relative error <= u);
        // a product of two rounded factors is off by at most (2u + u^2) |w x|; the float32 arithmetic of either
        // model adds at most ~40 float32 roundings of the same magnitudes; values below float16's normal range
        // (6.1e-5) are rounded to a multiple of 2^-24 instead, at most 2^-25 off, covered by an absolute term
        double[] products = convSums(weight, (w, x) -> w * x);
        double[] factors = convSums(weight, (w, x) -> w + x);
        double c = meanAbsContext();
        double worst = 0;
        for (int i = 0; i < full.length; i++) {
            double b = Math.abs(bias[i / (S * S)]);
            double inputs = (2 * U16 + U16 * U16) * products[i] + U16 * b + U16 * c
                    + Math.scalb(1.0, -25) * (factors[i] + 2);
            double arithmetic = 40 * U32 * (products[i] + b + c + 1);
            double bound = inputs + arithmetic + U16 * (Math.abs(full[i]) + inputs + arithmetic)
                    + Math.scalb(1.0, -25);
            assertThat((double) Math.abs(half[i] - full[i])).as("element %d", i).isLessThanOrEqualTo(bound);
            worst = Math.max(worst, Math.abs(half[i] - full[i]) / bound);
        }
        assertThat(half).as("the float16 path rounds").isNotEqualTo(full);
        System.out.printf("fp16 UNet: largest error %.2f of its bound%n", worst);
    }

    @Test
    void anInt8UNetLoadsAsItIsAndIsWithinOneQuantizationStepPerFactor() throws Exception {
        // DynamicQuantizeLinear maps the sample's range with 0 onto 0..255: step sx = (max - min) / 255; the
        // weights use sw = (max - min) / 255 likewise. Rounding is off by half a step, and the zero point's own
        // rounding can push an end value one step into saturation: each dequantized factor is within one step.
        // Then |w~ x~ - w x| <= |w| sx + |x| sw + sx sw per product; the bias, context and timestep stay float.
        float[] weight = initializer(SdFixture.write(dir.resolve("fp32"), Variant.standard()), "conv_in.weight");
        double sx = range(sample) / 255, sw = range(weight) / 255;
        assertInt8WithinBound(Variant.standard().withInt8Unet(), (w, x) -> w * sx + x * sw + sx * sw);
    }

    @Test
    void aQdqInt8UNetLoadsAsItIsAndIsWithinHalfAQuantizationStepPerFactor() throws Exception {
        // symmetric int8 with zero point 0: a value inside the calibrated range is rounded to the nearest step,
        // half a step off at most (the sample stays inside +-QDQ_SAMPLE_RANGE, checked here, so nothing saturates);
        // |w~ x~ - w x| <= |w| sx / 2 + |x| sw / 2 + sx sw / 4
        assertThat(maxAbs(sample)).isLessThan(SdFixture.QDQ_SAMPLE_RANGE);
        float[] weight = initializer(SdFixture.write(dir.resolve("fp32"), Variant.standard()), "conv_in.weight");
        double sx = SdFixture.QDQ_SAMPLE_RANGE / 127.0, sw = maxAbs(weight) / 127.0;
        assertInt8WithinBound(Variant.standard().withQdqUnet(), (w, x) -> w * sx / 2 + x * sw / 2 + sx * sw / 4);
    }

    @Test
    void anInt8TextEncoderAndVaeLoadAsTheyAreAndStayWithinHalfAStepPerWeight() throws Exception {
        Path fp32 = SdFixture.write(dir.resolve("fp32"), Variant.standard());
        SdFixture.addTextProjection(fp32, Variant.standard());
        Path int8 = SdFixture.write(dir.resolve("int8"), Variant.standard().withQdqEverywhere());
        SdFixture.addTextProjection(int8, Variant.standard().withQdqEverywhere());
        // text: states = tanh(embeddings) @ W, |tanh| <= 1, each int8 weight within half a step sw / 2 of W:
        // |states~ - states| <= D * sw / 2 per element
        float[] projection = initializer(fp32, "text_encoder", "onnx::MatMul_900");
        double textBound = D * maxAbs(projection) / 127 / 2;
        // VAE: pixel = tanh(W [3, C] . latent / scaling_factor), tanh 1-Lipschitz: within sum_c |x_c| sv / 2, times
        // 127.5 on the 0..255 scale, plus one level of rounding
        float[] vae = initializer(fp32, "vae_decoder", "post_quant_conv.weight");
        float[] latents = gaussian(C * S * S, 3);
        double vaeBound = C * maxAbs(latents) / 0.18215 * maxAbs(vae) / 127 / 2 * 127.5 + 1;
        try (StableDiffusionModel a = StableDiffusionModel.load(fp32, CPU);
             StableDiffusionModel b = StableDiffusionModel.load(int8, CPU)) {
            float[] full = a.textEncoder().encode(List.of("a red shirt"));
            float[] quantized = b.textEncoder().encode(List.of("a red shirt"));
            assertThat(quantized).isNotEqualTo(full);
            for (int i = 0; i < full.length; i++) {
                assertThat((double) Math.abs(quantized[i] - full[i])).as("state %d", i)
                        .isLessThanOrEqualTo(textBound + 1e-5);
            }
            byte[] fullPixels = a.vaeDecoder().decode(latents, S, S).rgb();
            byte[] quantizedPixels = b.vaeDecoder().decode(latents, S, S).rgb();
            assertThat(quantizedPixels).isNotEqualTo(fullPixels);
            for (int i = 0; i < fullPixels.length; i++) {
                assertThat((double) Math.abs((quantizedPixels[i] & 0xff) - (fullPixels[i] & 0xff))).as("pixel %d", i)
                        .isLessThanOrEqualTo(vaeBound);
            }
            RgbImage image = new Text2ImagePipeline(b).render(new RenderRequest("a red shirt", "", 64, 64, 3, 5.0,
                    Sampler.DDIM, 11)).image();
            assertThat(image.rgb()).isNotEqualTo(new byte[image.rgb().length]);
        }
    }

    @Test
    void aLoraOnAnInt8ExportIsRefusedWithTheWayOut() throws Exception {
        Path lora = LoraSessionsTest.writeLora(dir.resolve("conv-in.safetensors"), 5, false); // kohya, on conv_in
        for (Variant int8 : new Variant[] {Variant.standard().withInt8Unet(), Variant.standard().withQdqUnet()}) {
            Path model = SdFixture.write(dir.resolve("int8-" + int8.int8Unet()), int8);
            assertThatThrownBy(() -> StableDiffusionModel.load(model, CPU, LoraSet.of(lora, 1.0)))
                    .isInstanceOf(LoraException.class)
                    .hasMessageContaining("conv-in.safetensors cannot be merged into this model")
                    .hasMessageContaining("8-bit quantized")
                    .hasMessageContaining("fp32 or fp16 export");
        }
        // the same file merges into the float export of the same model
        try (StableDiffusionModel fp32 = StableDiffusionModel.load(SdFixture.write(dir.resolve("fp32"),
                Variant.standard()), CPU, LoraSet.of(lora, 1.0))) {
            assertThat(fp32.loraReports().get(0).matchedModules()).isEqualTo(1);
        }
    }

    /**
     * The int8 variant loads with float32 inputs and outputs, draws, and its prediction is within the sum over the
     * convolution window of {@code productError(|w|, |x|)} (plus float32 arithmetic) of the fp32 model's.
     */
    private void assertInt8WithinBound(Variant int8, Term productError) throws Exception {
        Path fp32 = dir.resolve("fp32");
        float[] weight = initializer(fp32, "conv_in.weight");
        float[] full;
        float[] quantized;
        try (StableDiffusionModel a = StableDiffusionModel.load(fp32, CPU);
             StableDiffusionModel b = StableDiffusionModel.load(SdFixture.write(dir.resolve("int8"), int8), CPU)) {
            assertThat(b.unet().isHalf()).as("int8 UNets take and return float32").isFalse();
            full = predict(a);
            quantized = predict(b);
            RgbImage image = new Text2ImagePipeline(b).render(new RenderRequest("a red shirt", "", 64, 64, 3, 5.0,
                    Sampler.DDIM, 11)).image();
            assertThat(image.rgb()).isNotEqualTo(new byte[image.rgb().length]);
        }
        double[] bound = convSums(weight, productError);
        double[] products = convSums(weight, (w, x) -> w * x);
        for (int i = 0; i < full.length; i++) {
            double b = bound[i] + 40 * U32 * (products[i] + Math.abs(full[i]) + meanAbsContext() + 1);
            assertThat((double) Math.abs(quantized[i] - full[i])).as("element %d", i).isLessThanOrEqualTo(b);
        }
        assertThat(quantized).as("the 8-bit path quantizes").isNotEqualTo(full);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double range(float[] v) {
        float min = 0, max = 0;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        return max - min;
    }
}
