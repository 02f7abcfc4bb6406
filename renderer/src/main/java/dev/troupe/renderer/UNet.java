package dev.troupe.renderer;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.troupe.renderer.lora.MergedWeights;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.onnx.FloatTensorBuffer;
import dev.troupe.renderer.onnx.RunClock;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.onnx.Tensors;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The denoising UNet: {@code sample [N, C, h, w]}, {@code timestep}, {@code encoder_hidden_states [N, L, D]} to
 * {@code out_sample [N, C, h, w]}; an SDXL UNet also takes its added conditions {@code text_embeds [N, P]} (the
 * pooled prompt) and {@code time_ids [N, 6]} ({@link MicroConditioning}). Element types are read from the session:
 * float32 or float16 tensors (converted here), and a timestep of int64, int32, float32, float16 or float64. Any N, h
 * and w work; a {@link Batch} holds the ONNX Runtime tensors for one shape so that a denoising loop allocates nothing
 * per step.
 */
public final class UNet implements AutoCloseable {

    private static final String SAMPLE = "sample";
    private static final String TIMESTEP = "timestep";
    private static final String CONTEXT = "encoder_hidden_states";
    private static final String TEXT_EMBEDS = "text_embeds";
    private static final String TIME_IDS = "time_ids";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final RunClock clock;
    private final String file;
    private final String outputName;
    private final boolean half;
    private final TensorInfo timestepInfo;
    private final long declaredChannels;
    private final long declaredHidden;
    private final TensorInfo textEmbedsInfo;
    private final TensorInfo timeIdsInfo;

    private UNet(OrtEnvironment environment, OrtSession session, RunClock clock, String file) {
        this.environment = environment;
        this.session = session;
        this.clock = clock;
        this.file = file;
        TensorInfo sample = Tensors.input(session, SAMPLE, file);
        TensorInfo context = Tensors.input(session, CONTEXT, file);
        this.timestepInfo = Tensors.input(session, TIMESTEP, file);
        Set<String> extra = new HashSet<>(session.getInputNames());
        extra.removeAll(Set.of(SAMPLE, TIMESTEP, CONTEXT, TEXT_EMBEDS, TIME_IDS));
        if (!extra.isEmpty()) {
            throw new ModelException(file + " needs inputs " + extra + " besides sample, timestep, "
                    + "encoder_hidden_states (and SDXL's text_embeds and time_ids): Troupe draws with SD 1.x / 2.x and "
                    + "SDXL base UNets (an LCM UNet with timestep_cond, a ControlNet or an inpainting UNet is not "
                    + "supported).");
        }
        boolean hasEmbeds = session.getInputNames().contains(TEXT_EMBEDS);
        if (hasEmbeds != session.getInputNames().contains(TIME_IDS)) {
            throw new ModelException(file + " takes " + (hasEmbeds ? TEXT_EMBEDS : TIME_IDS) + " without "
                    + (hasEmbeds ? TIME_IDS : TEXT_EMBEDS) + ": an SDXL UNet takes both added conditions.");
        }
        this.textEmbedsInfo = hasEmbeds ? Tensors.input(session, TEXT_EMBEDS, file) : null;
        this.timeIdsInfo = hasEmbeds ? Tensors.input(session, TIME_IDS, file) : null;
        if (hasEmbeds) {
            Tensors.isHalf(textEmbedsInfo, file + " input " + TEXT_EMBEDS);
            Tensors.isHalf(timeIdsInfo, file + " input " + TIME_IDS);
            long ids = Tensors.dim(timeIdsInfo, 1);
            if (ids > 0 && ids != MicroConditioning.SIZE) {
                throw new ModelException(file + ": time_ids has " + ids + " values per sample; SDXL base takes "
                        + MicroConditioning.SIZE + " (original size, crop, target size). The SDXL refiner (5: an "
                        + "aesthetic score instead of the target size) is not supported.");
            }
        }
        if (sample.getShape().length != 4) {
            throw new ModelException(file + ": sample has shape " + Tensors.describe(sample) + "; expected [N, C, h, w].");
        }
        this.half = Tensors.isHalf(sample, file + " input sample");
        if (Tensors.isHalf(context, file + " input encoder_hidden_states") != half) {
            throw new ModelException(file + ": sample and encoder_hidden_states have different element types.");
        }
        switch (timestepInfo.type) {
            case INT64, INT32, FLOAT, FLOAT16, DOUBLE -> { }
            default -> throw new ModelException(file + ": timestep is " + timestepInfo.type
                    + "; expected int64, int32, float32, float16 or float64.");
        }
        this.outputName = Tensors.outputName(session, "out_sample");
        this.declaredChannels = Tensors.dim(sample, 1);
        this.declaredHidden = Tensors.dim(context, 2);
    }

    public static UNet open(SessionFactory sessions, Path modelFile, RunClock clock,
                            Consumer<OrtSession.SessionOptions> customiser) {
        return wrap(sessions, sessions.open(modelFile, customiser), modelFile, clock);
    }

    /** The UNet with LoRA-merged weights; {@code merged} must stay open while this UNet is open. */
    public static UNet open(SessionFactory sessions, Path modelFile, RunClock clock, MergedWeights merged) {
        return wrap(sessions, sessions.open(modelFile, merged), modelFile, clock);
    }

    private static UNet wrap(SessionFactory sessions, OrtSession session, Path modelFile, RunClock clock) {
        try {
            return new UNet(sessions.environment(), session, clock, modelFile.toString());
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the first error is the one to report
            }
            throw e;
        }
    }

    /** C as the session declares it, or -1 when symbolic. */
    public long declaredChannels() {
        return declaredChannels;
    }

    /** D as the session declares it, or -1 when symbolic. */
    public long declaredHiddenSize() {
        return declaredHidden;
    }

    public boolean isHalf() {
        return half;
    }

    /** Whether this is an SDXL UNet, which takes {@code text_embeds} and {@code time_ids}. */
    public boolean takesAddedConditions() {
        return textEmbedsInfo != null;
    }

    /** P of {@code text_embeds [N, P]} as the session declares it; -1 when symbolic or absent. */
    public long declaredPooledSize() {
        return textEmbedsInfo == null ? -1 : Tensors.dim(textEmbedsInfo, 1);
    }

    public OnnxJavaType timestepType() {
        return timestepInfo.type;
    }

    public OrtSession session() {
        return session;
    }

    /**
     * Preallocates the input and output tensors for {@code sample [n, channels, height, width]} and
     * {@code encoder_hidden_states [n, length, hidden]} (SD 1.x / 2.x).
     */
    public Batch batch(int n, int channels, int height, int width, int length, int hidden) {
        return new Batch(n, channels, height, width, length, hidden, 0);
    }

    /**
     * Preallocates the tensors for {@code sample [n, channels, height, width]} and the conditioning of n samples
     * shaped like {@code like} (for SDXL also {@code text_embeds [n, P]} and {@code time_ids [n, 6]}).
     */
    public Batch batch(int n, int channels, int height, int width, Conditioning like) {
        if (takesAddedConditions() != like.pooledSize() > 0) {
            throw new ModelException(file + (takesAddedConditions()
                    ? " is an SDXL UNet (text_embeds, time_ids) but the prompts have no pooled embeddings: the model "
                    + "folder needs text_encoder_2 and tokenizer_2."
                    : " takes no text_embeds, but the prompts come with pooled embeddings (a second text encoder)."));
        }
        return new Batch(n, channels, height, width, like.length(), like.hidden(), like.pooledSize());
    }

    /** The ONNX Runtime tensors of one input shape, reused for every step of a render. Not thread-safe. */
    public final class Batch implements AutoCloseable {

        private final FloatTensorBuffer sample;
        private final FloatTensorBuffer context;
        private final FloatTensorBuffer output;
        private final FloatTensorBuffer textEmbeds;
        private final FloatTensorBuffer timeIds;
        private final ByteBuffer timestepBuffer;
        private final OnnxTensor timestepTensor;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxValue> pinnedOutputs;
        private final int timestepCount;

        private Batch(int n, int channels, int height, int width, int length, int hidden, int pooled) {
            long[] sampleShape = {n, channels, height, width};
            long[] timestepShape = timestepShape();
            timestepCount = timestepShape.length == 0 ? 1 : (int) timestepShape[0];
            timestepBuffer = Tensors.direct(timestepCount, timestepInfo.type.size);
            List<FloatTensorBuffer> created = new ArrayList<>();
            try {
                // Direct buffers back the tensors: ONNX Runtime reads inputs and writes outputs in place.
                sample = add(created, new FloatTensorBuffer(environment, sampleShape, half));
                context = add(created, new FloatTensorBuffer(environment, new long[] {n, length, hidden}, half));
                output = add(created, new FloatTensorBuffer(environment, sampleShape, half));
                textEmbeds = pooled == 0 ? null : add(created, new FloatTensorBuffer(environment,
                        new long[] {n, pooled}, textEmbedsInfo.type == OnnxJavaType.FLOAT16));
                timeIds = pooled == 0 ? null : add(created, new FloatTensorBuffer(environment,
                        new long[] {n, MicroConditioning.SIZE}, timeIdsInfo.type == OnnxJavaType.FLOAT16));
                timestepTensor = OnnxTensor.createTensor(environment, timestepBuffer, timestepShape, timestepInfo.type);
            } catch (OrtException e) {
                created.forEach(FloatTensorBuffer::close);
                throw new ModelException("cannot allocate UNet tensors for " + Tensors.shape(sampleShape) + ": "
                        + e.getMessage(), e);
            }
            inputs = textEmbeds == null
                    ? Map.of(SAMPLE, sample.tensor(), TIMESTEP, timestepTensor, CONTEXT, context.tensor())
                    : Map.of(SAMPLE, sample.tensor(), TIMESTEP, timestepTensor, CONTEXT, context.tensor(),
                    TEXT_EMBEDS, textEmbeds.tensor(), TIME_IDS, timeIds.tensor());
            pinnedOutputs = Map.of(outputName, output.tensor());
        }

        private static FloatTensorBuffer add(List<FloatTensorBuffer> created, FloatTensorBuffer buffer) {
            created.add(buffer);
            return buffer;
        }

        /** Scalar when the session declares a scalar, its length when fixed, else one value that broadcasts. */
        private long[] timestepShape() {
            long[] declared = timestepInfo.getShape();
            if (declared.length == 0) {
                return new long[0];
            }
            return new long[] {declared[0] > 0 ? declared[0] : 1};
        }

        /** Sets {@code encoder_hidden_states [n, L, D]} for the following predictions. */
        public void setEncoderHiddenStates(float[] states) {
            if (states.length != context.elements()) {
                throw new IllegalArgumentException("encoder_hidden_states has " + states.length + " values, the batch "
                        + "expects " + context.elements());
            }
            context.write(states, 0);
        }

        /** Sets the conditioning of the batch's n samples for the following predictions. */
        public void setConditioning(Conditioning conditioning) {
            setEncoderHiddenStates(conditioning.states());
            if (textEmbeds != null) {
                textEmbeds.write(conditioning.textEmbeds(), 0);
                timeIds.write(conditioning.timeIds(), 0);
            }
        }

        /**
         * One UNet evaluation.
         *
         * @param latents  {@code [n, C, h, w]}, already scaled by the scheduler
         * @param timestep the scheduler's timestep (rounded to the nearest integer for integer timestep inputs)
         * @param noise    receives {@code out_sample [n, C, h, w]}
         */
        public void predict(float[] latents, double timestep, float[] noise) {
            predict(latents, 0, timestep, noise, 0);
        }

        /**
         * One UNet evaluation on a slice: {@code sample} is {@code latents[from ..]}, {@code out_sample} goes to
         * {@code noise[to ..]} (each {@code n * C * h * w} values), so that one array can feed several batches.
         */
        public void predict(float[] latents, int from, double timestep, float[] noise, int to) {
            sample.write(latents, from);
            writeTimestep(timestep);
            long start = System.nanoTime();
            try (OrtSession.Result ignored = session.run(inputs, pinnedOutputs)) {
                clock.record(start);
            } catch (OrtException e) {
                throw new ModelException(file + " failed on sample " + Tensors.shape(sample.tensor().getInfo().getShape())
                        + ": " + e.getMessage(), e);
            }
            output.read(noise, to);
        }

        private void writeTimestep(double timestep) {
            for (int i = 0; i < timestepCount; i++) {
                switch (timestepInfo.type) {
                    case INT64 -> timestepBuffer.putLong(i * 8, Math.round(timestep));
                    case INT32 -> timestepBuffer.putInt(i * 4, (int) Math.round(timestep));
                    case FLOAT -> timestepBuffer.putFloat(i * 4, (float) timestep);
                    case FLOAT16 -> timestepBuffer.putShort(i * 2, Fp16Conversions.floatToFp16((float) timestep));
                    case DOUBLE -> timestepBuffer.putDouble(i * 8, timestep);
                    default -> throw new IllegalStateException("checked in the constructor");
                }
            }
        }

        @Override
        public void close() {
            sample.close();
            context.close();
            output.close();
            if (textEmbeds != null) {
                textEmbeds.close();
                timeIds.close();
            }
            timestepTensor.close();
        }
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
