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
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Prompt to text-encoder hidden states: the tokenizer plus the CLIP text encoder session.
 * Input {@code input_ids [B, L]} (int32 or int64, read from the session); output {@code last_hidden_state [B, L, D]}.
 */
public final class TextEncoder implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final PromptTokenizer tokenizer;
    private final RunClock clock;
    private final boolean int64Ids;
    private final String outputName;
    private final int hiddenSize;

    private TextEncoder(OrtEnvironment environment, OrtSession session, PromptTokenizer tokenizer, RunClock clock,
                        boolean int64Ids, String outputName, int declaredHidden) {
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.int64Ids = int64Ids;
        this.outputName = outputName;
        // A symbolic hidden dimension is found by encoding the empty prompt once.
        this.hiddenSize = declaredHidden > 0 ? declaredHidden : encode(List.of("")).length / tokenizer.length();
    }

    /**
     * @param defaultLength the sequence length when the session leaves it symbolic (the config's
     *                      max_position_embeddings, 77 for CLIP)
     */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, Consumer<OrtSession.SessionOptions> customiser) {
        return wrap(sessions, sessions.open(modelFile, customiser), modelFile, tokenizerFolder, defaultLength, clock);
    }

    /** The text encoder with LoRA-merged weights; {@code merged} must stay open while this encoder is open. */
    public static TextEncoder open(SessionFactory sessions, Path modelFile, Path tokenizerFolder, int defaultLength,
                                   RunClock clock, MergedWeights merged) {
        return wrap(sessions, sessions.open(modelFile, merged), modelFile, tokenizerFolder, defaultLength, clock);
    }

    private static TextEncoder wrap(SessionFactory sessions, OrtSession session, Path modelFile, Path tokenizerFolder,
                                    int defaultLength, RunClock clock) {
        try {
            String file = modelFile.toString();
            TensorInfo ids = Tensors.input(session, "input_ids", file);
            if (ids.type != OnnxJavaType.INT32 && ids.type != OnnxJavaType.INT64) {
                throw new ModelException(file + ": input_ids is " + ids.type + "; expected int32 or int64.");
            }
            long declaredLength = Tensors.dim(ids, 1);
            int length = declaredLength > 0 ? (int) declaredLength : defaultLength;
            String output = Tensors.outputName(session, "last_hidden_state");
            TensorInfo hidden = Tensors.output(session, output, file);
            Tensors.isHalf(hidden, file + " output " + output);
            PromptTokenizer tokenizer = PromptTokenizers.open(tokenizerFolder, length);
            return new TextEncoder(sessions.environment(), session, tokenizer, clock, ids.type == OnnxJavaType.INT64,
                    output, (int) Tensors.dim(hidden, 2));
        } catch (IOException e) {
            close(session);
            throw new ModelException("cannot read the tokenizer in " + tokenizerFolder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(session);
            throw e;
        }
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
        int length = tokenizer.length();
        long[] shape = {prompts.size(), length};
        try (OnnxTensor ids = idsTensor(prompts, shape)) {
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(Map.of("input_ids", ids), java.util.Set.of(outputName))) {
                clock.record(start);
                return Tensors.toFloats((OnnxTensor) result.get(0));
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
