package dev.troupe.renderer;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.troupe.renderer.lora.MergedWeights;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.onnx.RunClock;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.onnx.Tensors;
import dev.troupe.renderer.tokenizer.PromptTokenizer;
import dev.troupe.renderer.tokenizer.PromptTokenizers;

import java.io.IOException;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Prompt to text-encoder hidden states: the tokenizer plus the CLIP text encoder session.
 * Input {@code input_ids [B, L]} (int32 or int64, read from the session); output {@code last_hidden_state [B, L, D]}
 * ({@link States#LAST}, SD 1.x / 2.x) or the penultimate layer's {@code hidden_states.(n-1) [B, L, D]} of an export
 * with {@code hidden_states.0 .. n} ({@link States#PENULTIMATE}, SDXL's two encoders); and, when the session has it
 * (CLIPTextModelWithProjection, SDXL's second encoder), the pooled projection {@code text_embeds [B, P]}.
 */
public final class TextEncoder implements AutoCloseable {

    /** Which layer's states a prompt becomes. */
    public enum States {
        /** {@code last_hidden_state}, after the final layer norm (SD 1.x / 2.x). */
        LAST,
        /** {@code hidden_states[-2]}, the penultimate layer's output, before any norm (SDXL). */
        PENULTIMATE
    }

    /** What one run gives: {@code states [B, L, D]} and, for an encoder with a projection, {@code pooled [B, P]}. */
    public record Output(float[] states, float[] pooled) {
    }

    private static final String POOLED = "text_embeds";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final PromptTokenizer tokenizer;
    private final RunClock clock;
    private final boolean int64Ids;
    private final String outputName;
    private final States states;
    private final Set<String> outputs;
    private final int hiddenSize;
    private final int pooledSize;

    private TextEncoder(OrtEnvironment environment, OrtSession session, PromptTokenizer tokenizer, RunClock clock,
                        boolean int64Ids, String outputName, States states, boolean pooled, int declaredHidden) {
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.int64Ids = int64Ids;
        this.outputName = outputName;
        this.states = states;
        this.outputs = pooled ? new LinkedHashSet<>(List.of(outputName, POOLED)) : Set.of(outputName);
        // Symbolic dimensions are found by encoding the empty prompt once.
        Output probe = declaredHidden > 0 && !pooled ? null : encodeWithPooled(List.of(""));
        this.hiddenSize = declaredHidden > 0 ? declaredHidden : probe.states().length / tokenizer.length();
        this.pooledSize = pooled ? probe.pooled().length : 0;
    }

    /**
     * @param defaultLength the sequence length when the session leaves it symbolic (the config's
     *                      max_position_embeddings, 77 for CLIP)
     */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, Consumer<OrtSession.SessionOptions> customiser) {
        return open(sessions, modelFile, tokenizerFolder, defaultLength, clock, customiser, States.LAST);
    }

    /** @param states which layer's states to read ({@link States#PENULTIMATE} for SDXL) */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, Consumer<OrtSession.SessionOptions> customiser, States states) {
        return wrap(sessions, sessions.open(modelFile, customiser), modelFile, tokenizerFolder, defaultLength, clock,
                states);
    }

    /** The text encoder with LoRA-merged weights; {@code merged} must stay open while this encoder is open. */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, MergedWeights merged) {
        return open(sessions, modelFile, tokenizerFolder, defaultLength, clock, merged, States.LAST);
    }

    /** The text encoder with LoRA-merged weights, reading the layer {@code states}. */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, MergedWeights merged, States states) {
        return wrap(sessions, sessions.open(modelFile, merged), modelFile, tokenizerFolder, defaultLength, clock,
                states);
    }

    private static TextEncoder wrap(SessionFactory sessions, OrtSession session, Path modelFile, Path tokenizerFolder,
                                    int defaultLength, RunClock clock, States states) {
        try {
            String file = modelFile.toString();
            TensorInfo ids = Tensors.input(session, "input_ids", file);
            if (ids.type != OnnxJavaType.INT32 && ids.type != OnnxJavaType.INT64) {
                throw new ModelException(file + ": input_ids is " + ids.type + "; expected int32 or int64.");
            }
            long declaredLength = Tensors.dim(ids, 1);
            int length = declaredLength > 0 ? (int) declaredLength : defaultLength;
            String output = states == States.LAST ? Tensors.outputName(session, "last_hidden_state")
                    : penultimate(session, file);
            TensorInfo hidden = Tensors.output(session, output, file);
            Tensors.isHalf(hidden, file + " output " + output);
            boolean pooled = session.getOutputNames().contains(POOLED);
            if (pooled) {
                Tensors.isHalf(Tensors.output(session, POOLED, file), file + " output " + POOLED);
            }
            PromptTokenizer tokenizer = PromptTokenizers.open(tokenizerFolder, length);
            return new TextEncoder(sessions.environment(), session, tokenizer, clock, ids.type == OnnxJavaType.INT64,
                    output, states, pooled, (int) Tensors.dim(hidden, 2));
        } catch (IOException e) {
            close(session);
            throw new ModelException("cannot read the tokenizer in " + tokenizerFolder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(session);
            throw e;
        }
    }

    /**
     * {@code hidden_states.(n-1)} of an export whose outputs include {@code hidden_states.0 .. hidden_states.n}
     * (the embeddings, then each of n layers): diffusers' {@code hidden_states[-2]}.
     */
    private static String penultimate(OrtSession session, String file) {
        int last = -1;
        for (String name : session.getOutputNames()) {
            if (name.matches("hidden_states\\.\\d+")) {
                last = Math.max(last, Integer.parseInt(name.substring("hidden_states.".length())));
            }
        }
        if (last < 1) {
            throw new ModelException(file + " has no hidden_states.N outputs (it has " + session.getOutputNames()
                    + "): SDXL conditions on the penultimate layer's states; export the text encoders with "
                    + "output_hidden_states, as optimum-cli export onnx does for SDXL.");
        }
        return "hidden_states." + (last - 1);
    }

    private static void close(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing after a failure; the first error is the one to report
        }
    }

    /** Hidden states {@code [B, L, D]}, flattened, for B prompts. */
    public float[] encode(List<String> prompts) {
        return encodeWithPooled(prompts).states();
    }

    /** Hidden states {@code [B, L, D]} and, for an encoder with a projection, {@code text_embeds [B, P]}. */
    public Output encodeWithPooled(List<String> prompts) {
        int length = tokenizer.length();
        long[] shape = {prompts.size(), length};
        try (OnnxTensor ids = idsTensor(prompts, shape)) {
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(Map.of("input_ids", ids), outputs)) {
                clock.record(start);
                float[] hidden = Tensors.toFloats((OnnxTensor) result.get(outputName).orElseThrow());
                float[] pooled = outputs.size() > 1
                        ? Tensors.toFloats((OnnxTensor) result.get(POOLED).orElseThrow()) : null;
                return new Output(hidden, pooled);
            }
        } catch (OrtException e) {
            throw new ModelException("the text encoder failed: " + e.getMessage(), e);
        }
    }

    private OnnxTensor idsTensor(List<String> prompts, long[] shape) throws OrtException {
        int length = tokenizer.length();
        if (int64Ids) {
            LongBuffer buffer = LongBuffer.allocate(prompts.size() * length);
            for (String p : prompts) {
                for (int id : tokenizer.encode(p)) {
                    buffer.put(id);
                }
            }
            return OnnxTensor.createTensor(environment, buffer.flip(), shape);
        }
        IntBuffer buffer = IntBuffer.allocate(prompts.size() * length);
        for (String p : prompts) {
            buffer.put(tokenizer.encode(p));
        }
        return OnnxTensor.createTensor(environment, buffer.flip(), shape);
    }

    /** L, the token sequence length (77 for SD). */
    public int length() {
        return tokenizer.length();
    }

    /** D, the hidden size (768 for SD 1.x, 1024 for SD 2.x). */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** P, the width of the pooled {@code text_embeds}; 0 when the encoder has no projection. */
    public int pooledSize() {
        return pooledSize;
    }

    /** Which layer's states this encoder reads. */
    public States states() {
        return states;
    }

    /** The session output the states come from ({@code last_hidden_state} or {@code hidden_states.N}). */
    public String statesOutput() {
        return outputName;
    }

    public boolean int64Ids() {
        return int64Ids;
    }

    public PromptTokenizer tokenizer() {
        return tokenizer;
    }

    public OrtSession session() {
        return session;
    }

    @Override
    public void close() {
        tokenizer.close();
        close(session);
    }
}
