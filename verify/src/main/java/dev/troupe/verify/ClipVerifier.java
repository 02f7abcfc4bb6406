package dev.troupe.verify;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.troupe.planner.Dimension;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.write.Profile;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.onnx.Tensors;
import dev.troupe.renderer.tokenizer.PromptTokenizer;
import dev.troupe.renderer.tokenizer.PromptTokenizers;
import dev.troupe.scene.Region;
import dev.troupe.scene.UserInputException;
import dev.troupe.scene.Verification;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Zero-shot CLIP on ONNX Runtime as a verifier: each value of each dimension it reads becomes a prompt written with
 * the sd15 profile's words ("a photo of a person with dark skin", "a photo of a person wearing a red top", "a photo
 * of a woman"), the subject's box is preprocessed as CLIP's image processor does ({@link ClipImageProcessor}), and
 * per dimension the value with the highest logit is the reading, or {@value Verification#UNSURE} when it beats the
 * second by less than the margin.
 *
 * <p>A CLIP folder holds either the usual combined export, {@code model.onnx} with inputs {@code input_ids},
 * {@code attention_mask} {@code [T, L]} (int64) and {@code pixel_values} {@code [1, 3, 224, 224]} and the output
 * {@code logits_per_image} {@code [1, T]}; or separate {@code text_model.onnx} ({@code input_ids} [, {@code
 * attention_mask}] -> {@code text_embeds} [T, D]) and {@code vision_model.onnx} ({@code pixel_values} ->
 * {@code image_embeds} [1, D]), whose logits are 100 x the cosine (CLIP's trained temperature, clamped at 100);
 * either at the top or under {@code onnx/}; and a tokenizer ({@code tokenizer.json}, or {@code vocab.json} +
 * {@code merges.txt}) at the top or under {@code tokenizer/}.
 */
public final class ClipVerifier implements SubjectVerifier {
    /** Dimensions read, when planned: the ones a photo shows. */
    public static final List<String> DIMENSIONS = List.of("skin", "hair", "top", "gender");
    /** Logits the best value must lead the second by, else the reading is "unsure". */
    public static final double DEFAULT_MARGIN = 0.5;
    static final double SEPARATE_LOGIT_SCALE = 100;
    static final int TEXT_LENGTH = 77;

    private final String name;
    private final OrtSession combined, text, vision;
    private final double margin;
    /** Dimension to value to prompt, and the prompts' token ids and attention masks, in the same order. */
    private final Map<String, Map<String, String>> prompts;
    private final long[] ids, mask;
    private final int count;
    private final float[][] textEmbeds;

    private ClipVerifier(String name, OrtSession combined, OrtSession text, OrtSession vision, PromptTokenizer tokenizer,
                         Map<String, Map<String, String>> prompts, double margin) {
        this.name = name;
        this.combined = combined;
        this.text = text;
        this.vision = vision;
        this.margin = margin;
        this.prompts = prompts;
        List<String> all = prompts.values().stream().flatMap(m -> m.values().stream()).toList();
        this.count = all.size();
        this.ids = new long[count * TEXT_LENGTH];
        this.mask = new long[count * TEXT_LENGTH];
        int eos = tokenizer.encode("")[1]; // [BOS, EOS, pad...]
        for (int t = 0; t < count; t++) {
            int[] encoded = tokenizer.encode(all.get(t));
            int pad = encoded[encoded.length - 1];
            int run = encoded.length;
            while (run > 1 && encoded[run - 1] == pad) {
                run--;
            }
            // the trailing run of pad ids is padding, except its first id when the pad token is EOS (SD 1.x, OpenAI)
            int real = Math.min(encoded.length, pad == eos ? run + 1 : run);
            for (int i = 0; i < TEXT_LENGTH; i++) {
                ids[t * TEXT_LENGTH + i] = i < encoded.length ? encoded[i] : pad;
                mask[t * TEXT_LENGTH + i] = i < real ? 1 : 0;
            }
        }
        this.textEmbeds = text == null ? null : normalised(embedText());
    }

    /** Opens a CLIP ONNX export folder; a folder of another form is one message naming what is expected. */
    public static ClipVerifier load(Path folder, SessionFactory sessions) {
        return load(folder, sessions, prompts(Profile.named("sd15"), Lexicon.standard()), DEFAULT_MARGIN);
    }

    static ClipVerifier load(Path folder, SessionFactory sessions, Map<String, Map<String, String>> prompts,
                             double margin) {
        String expected = " (expected a CLIP ONNX export: model.onnx with input_ids, attention_mask and pixel_values "
                + "-> logits_per_image, or text_model.onnx and vision_model.onnx, at the top or under onnx/, and "
                + "tokenizer.json or vocab.json + merges.txt)";
        if (!Files.isDirectory(folder)) {
            throw new UserInputException("--verifier " + folder + ": no such folder" + expected);
        }
        Path onnx = Files.isDirectory(folder.resolve("onnx")) ? folder.resolve("onnx") : folder;
        Path tokenizerFolder = PromptTokenizers.present(folder) ? folder : folder.resolve("tokenizer");
        if (!PromptTokenizers.present(tokenizerFolder)) {
            throw new UserInputException("--verifier " + folder + ": no tokenizer" + expected);
        }
        PromptTokenizer tokenizer;
        try {
            tokenizer = PromptTokenizers.open(tokenizerFolder, TEXT_LENGTH);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException("--verifier " + folder + ": cannot read its tokenizer (" + e.getMessage() + ")"
                    + expected);
        }
        OrtSession combined = null, text = null, vision = null;
        try (tokenizer) {
            if (Files.isRegularFile(onnx.resolve("model.onnx"))) {
                combined = sessions.open(onnx.resolve("model.onnx"));
                String file = onnx.resolve("model.onnx").toString();
                for (String input : List.of("input_ids", "attention_mask", "pixel_values")) {
                    Tensors.input(combined, input, file);
                }
                Tensors.output(combined, "logits_per_image", file);
            } else if (Files.isRegularFile(onnx.resolve("text_model.onnx"))
                    && Files.isRegularFile(onnx.resolve("vision_model.onnx"))) {
                text = sessions.open(onnx.resolve("text_model.onnx"));
                vision = sessions.open(onnx.resolve("vision_model.onnx"));
                Tensors.input(text, "input_ids", onnx.resolve("text_model.onnx").toString());
                Tensors.input(vision, "pixel_values", onnx.resolve("vision_model.onnx").toString());
            } else {
                throw new UserInputException("--verifier " + folder + ": no model.onnx, nor text_model.onnx and "
                        + "vision_model.onnx" + expected);
            }
            return new ClipVerifier("clip:" + folder, combined, text, vision, tokenizer, prompts, margin);
        } catch (RuntimeException e) {
            for (OrtSession s : new OrtSession[] {combined, text, vision}) {
                close(s);
            }
            if (e instanceof UserInputException u) {
                throw u;
            }
            throw new UserInputException("--verifier " + folder + ": " + e.getMessage() + expected);
        }
    }

    /**
     * The prompts, dimension to value to text, from the profile's words: the subject part of the profile that writes
     * the dimension ("with {skin} skin", "wearing {a} {top} {top_kind|top}"), its other placeholders dropped and
     * its value's word filled in; gender through the profile's noun for each gender.
     */
    static Map<String, Map<String, String>> prompts(Profile profile, Lexicon lexicon) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String dimension : DIMENSIONS) {
            Dimension d = lexicon.dimensions().get(dimension);
            if (d == null) {
                continue;
            }
            Map<String, String> byValue = new LinkedHashMap<>();
            for (String value : d.values().keySet()) {
                String prompt;
                if (dimension.equals("gender")) {
                    String noun = profile.nounByGender().get(value);
                    prompt = noun == null ? null : "a photo of a " + noun;
                } else {
                    prompt = phrase(profile, dimension, value);
                }
                if (prompt != null) {
                    byValue.put(value, prompt);
                }
            }
            if (byValue.size() > 1) {
                out.put(dimension, byValue);
            }
        }
        return out;
    }

    private static String phrase(Profile profile, String dimension, String value) {
        String placeholder = "{" + dimension + "}";
        for (String part : profile.subjectParts()) {
            if (!part.contains(placeholder)) {
                continue;
            }
            String word = profile.words().getOrDefault(dimension, Map.of()).getOrDefault(value, value);
            String text = part.substring(part.indexOf(placeholder) > part.indexOf("with ") && part.contains("with ")
                    ? part.indexOf("with ") : 0)
                    .replace(placeholder, word)
                    .replaceAll("\\{a}", "a")
                    .replaceAll("\\{[a-z_]+\\|([a-z ]+)}", "$1")
                    .replaceAll("\\{[a-z_|]+}", "")
                    .replaceAll("\\s+", " ").strip();
            boolean joined = text.startsWith("with ") || text.startsWith("wearing ") || text.startsWith("in ");
            return "a photo of a person " + (joined ? text : "with " + text);
        }
        return null;
    }

    @Override
    public String name() {
        return name;
    }

    /** Dimension to value to prompt, as the verifier writes them. */
    public Map<String, Map<String, String>> prompts() {
        return prompts;
    }

    @Override
    public Map<String, String> read(BufferedImage image, Region region) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean any = region.attributes().entrySet().stream().anyMatch(e -> prompts.containsKey(e.getKey())
                && prompts.get(e.getKey()).containsKey(e.getValue()));
        if (!any) {
            return out;
        }
        float[] logits = logits(ClipImageProcessor.pixelValues(image, region.box()));
        region.attributes().forEach((dimension, planned) -> {
            Map<String, String> values = prompts.get(dimension);
            if (values != null && values.containsKey(planned)) {
                out.put(dimension, decide(dimension, logits));
            }
        });
        return out;
    }

    /** The dimension's value with the highest logit, or "unsure" when it leads the second by less than the margin. */
    String decide(String dimension, float[] logits) {
        int offset = 0;
        for (Map.Entry<String, Map<String, String>> e : prompts.entrySet()) {
            if (e.getKey().equals(dimension)) {
                break;
            }
            offset += e.getValue().size();
        }
        String best = null;
        double top = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
        int i = offset;
        for (String value : prompts.get(dimension).keySet()) {
            double l = logits[i++];
            if (l > top) {
                second = top;
                top = l;
                best = value;
            } else if (l > second) {
                second = l;
            }
        }
        return top - second < margin ? Verification.UNSURE : best;
    }

    /** {@code logits_per_image} [T] of one preprocessed crop against every prompt. */
    synchronized float[] logits(float[] pixelValues) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] imageShape = {1, 3, ClipImageProcessor.SIZE, ClipImageProcessor.SIZE};
        try (OnnxTensor pixels = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixelValues), imageShape)) {
            if (combined != null) {
                long[] textShape = {count, TEXT_LENGTH};
                try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), textShape);
                     OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), textShape);
                     OrtSession.Result r = combined.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor,
                             "pixel_values", pixels), java.util.Set.of("logits_per_image"))) {
                    return firstRow(r.get(0));
                }
            }
            try (OrtSession.Result r = vision.run(Map.of("pixel_values", pixels),
                    java.util.Set.of(Tensors.outputName(vision, "image_embeds")))) {
                float[] image = normalised(new float[][] {firstRow(r.get(0))})[0];
                float[] logits = new float[count];
                for (int t = 0; t < count; t++) {
                    double dot = 0;
                    for (int k = 0; k < image.length; k++) {
                        dot += image[k] * textEmbeds[t][k];
                    }
                    logits[t] = (float) (SEPARATE_LOGIT_SCALE * dot);
                }
                return logits;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("CLIP verifier " + name + " failed: " + e.getMessage(), e);
        }
    }

    private float[][] embedText() {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] textShape = {count, TEXT_LENGTH};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), textShape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), textShape)) {
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            inputs.put("input_ids", idTensor);
            if (text.getInputNames().contains("attention_mask")) {
                inputs.put("attention_mask", maskTensor);
            }
            try (OrtSession.Result r = text.run(inputs, java.util.Set.of(Tensors.outputName(text, "text_embeds")))) {
                float[] flat = Tensors.toFloats((OnnxTensor) r.get(0));
                int dim = flat.length / count;
                float[][] out = new float[count][dim];
                for (int t = 0; t < count; t++) {
                    System.arraycopy(flat, t * dim, out[t], 0, dim);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new UserInputException("CLIP text model " + name + " failed on its prompts: " + e.getMessage());
        }
    }

    private static float[] firstRow(OnnxValue value) {
        float[] flat = Tensors.toFloats((OnnxTensor) value);
        TensorInfo info = (TensorInfo) value.getInfo();
        long[] shape = info.getShape();
        int row = (int) (shape.length < 2 ? flat.length : shape[shape.length - 1]);
        float[] out = new float[row];
        System.arraycopy(flat, 0, out, 0, row);
        return out;
    }

    private static float[][] normalised(float[][] rows) {
        for (float[] row : rows) {
            double n = 0;
            for (float v : row) {
                n += v * v;
            }
            double norm = Math.sqrt(n);
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) (row[i] / Math.max(norm, 1e-12));
            }
        }
        return rows;
    }

    @Override
    public void close() {
        close(combined);
        close(text);
        close(vision);
    }

    private static void close(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException e) {
                // closing: nothing left to do
            }
        }
    }
}
