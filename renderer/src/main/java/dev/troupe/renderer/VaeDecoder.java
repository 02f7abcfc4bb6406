package dev.troupe.renderer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.model.VaeConfig;
import dev.troupe.renderer.onnx.FloatTensorBuffer;
import dev.troupe.renderer.onnx.RunClock;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.onnx.Tensors;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The VAE decoder: {@code latent_sample [1, C, h, w]} (latents divided by the scaling factor) to
 * {@code sample [1, 3, f h, f w]} in [-1, 1], then to 8-bit RGB. C and the scaling factor come from
 * {@code vae_decoder/config.json}; the factor f from its {@code upscale_factor}, else from decoding a small latent.
 */
public final class VaeDecoder implements AutoCloseable {

    private static final int PROBE_SIZE = 8;

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final RunClock clock;
    private final String file;
    private final String inputName;
    private final String outputName;
    private final boolean half;
    private final int latentChannels;
    private final double scalingFactor;
    private final int pixelFactor;

    private VaeDecoder(OrtEnvironment environment, OrtSession session, RunClock clock, String file, VaeConfig config) {
        this.environment = environment;
        this.session = session;
        this.clock = clock;
        this.file = file;
        try {
            this.inputName = session.getInputInfo().containsKey("latent_sample") ? "latent_sample"
                    : session.getInputNames().iterator().next();
        } catch (OrtException e) {
            throw new ModelException("cannot read the inputs of " + file + ": " + e.getMessage(), e);
        }
        TensorInfo input = Tensors.input(session, inputName, file);
        this.half = Tensors.isHalf(input, file + " input " + inputName);
        this.outputName = Tensors.outputName(session, "sample");
        this.latentChannels = config.latentChannels();
        long declared = Tensors.dim(input, 1);
        if (declared > 0 && declared != latentChannels) {
            throw new ModelException(file + " takes " + declared + " latent channels but vae_decoder/config.json says "
                    + "latent_channels " + latentChannels + ": the config does not belong to this decoder.");
        }
        this.scalingFactor = config.scalingFactor();
        this.pixelFactor = config.upscaleFactor() != null ? config.upscaleFactor() : probeFactor();
    }

    public static VaeDecoder open(SessionFactory sessions, Path modelFile, VaeConfig config, RunClock clock) {
        OrtSession session = sessions.open(modelFile);
        try {
            return new VaeDecoder(sessions.environment(), session, clock, modelFile.toString(), config);
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the first error is the one to report
            }
            throw e;
        }
    }

    /** Decodes a small latent once to find how many pixels one latent pixel becomes. */
    private int probeFactor() {
        float[] zeros = new float[latentChannels * PROBE_SIZE * PROBE_SIZE];
        long[] shape = runShape(zeros, PROBE_SIZE, PROBE_SIZE);
        if (shape.length != 4 || shape[2] % PROBE_SIZE != 0 || shape[2] != shape[3]) {
            throw new ModelException(file + " turned an " + PROBE_SIZE + "x" + PROBE_SIZE + " latent into "
                    + Tensors.shape(shape) + ": cannot tell its upscale factor; add \"upscale_factor\" to "
                    + "vae_decoder/config.json.");
        }
        return (int) (shape[2] / PROBE_SIZE);
    }

    private long[] runShape(float[] latents, int h, int w) {
        try (FloatTensorBuffer input = new FloatTensorBuffer(environment, new long[] {1, latentChannels, h, w}, half)) {
            input.write(latents, 0);
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(Map.of(inputName, input.tensor()), Set.of(outputName))) {
                clock.record(start);
                return ((OnnxTensor) result.get(0)).getInfo().getShape();
            }
        } catch (OrtException e) {
            throw new ModelException(file + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes one latent {@code [1, C, h, w]} (as the scheduler leaves it, before dividing by the scaling factor)
     * to an image of {@code f w x f h} pixels.
     */
    public RgbImage decode(float[] latents, int h, int w) {
        if (NonFiniteException.firstNonFinite(latents) >= 0) {
            throw new NonFiniteException("the denoised latents hold NaN or infinite values, so " + file + " cannot "
                    + "decode them: the UNet's predictions overflowed (a LoRA or --cfg too strong, or an fp16 model "
                    + "beyond its range); lower the LoRA weights or the guidance");
        }
        float[] scaled = new float[latents.length];
        float inverse = (float) (1 / scalingFactor);
        for (int i = 0; i < latents.length; i++) {
            scaled[i] = latents[i] * inverse;
        }
        try (FloatTensorBuffer input = new FloatTensorBuffer(environment, new long[] {1, latentChannels, h, w}, half)) {
            input.write(scaled, 0);
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(Map.of(inputName, input.tensor()), Set.of(outputName))) {
                clock.record(start);
                OnnxTensor image = (OnnxTensor) result.get(0);
                long[] shape = image.getInfo().getShape();
                if (shape.length != 4 || shape[1] != 3) {
                    throw new ModelException(file + " returned " + Tensors.shape(shape) + "; expected [1, 3, H, W].");
                }
                float[] planes = Tensors.toFloats(image);
                if (NonFiniteException.firstNonFinite(planes) >= 0) {
                    throw new NonFiniteException(file + " decoded finite latents to NaN or infinite pixels: its "
                            + "weights overflow (an fp16 VAE beyond its range?); use an fp32 or fp16-fixed VAE");
                }
                return toRgb(planes, (int) shape[3], (int) shape[2]);
            }
        } catch (OrtException e) {
            throw new ModelException(file + " failed: " + e.getMessage(), e);
        }
    }

    /** [1, 3, H, W] in [-1, 1] to interleaved 8-bit RGB: round(clamp((x + 1) / 2, 0, 1) * 255). */
    static RgbImage toRgb(float[] planes, int width, int height) {
        int plane = width * height;
        byte[] rgb = new byte[plane * 3];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                double v = (planes[c * plane + p] + 1) / 2;
                v = Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
                rgb[p * 3 + c] = (byte) Math.round(v * 255);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** C, the latent channels. */
    public int latentChannels() {
        return latentChannels;
    }

    /** f: an h x w latent decodes to f h x f w pixels. */
    public int pixelFactor() {
        return pixelFactor;
    }

    public double scalingFactor() {
        return scalingFactor;
    }

    public boolean isHalf() {
        return half;
    }

    public OrtSession session() {
        return session;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new ModelException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
