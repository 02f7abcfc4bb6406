package dev.troupe.renderer.lora;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Merges a {@link LoraSet} into a model's weights.
 *
 * <pre>
 * W' = W + sum_i multiplier_i * (alpha_i / r_i) * (up_i.reshape(out, r) @ down_i.reshape(r, -1)).reshape(W.shape)
 * </pre>
 * with alpha = r when a file gives no alpha (or 0). For a MatMul weight stored {@code [in, out]} the delta is added
 * transposed. fp16 and bf16 weights are widened to float, merged, and narrowed back (round to nearest even).
 * Only the weights a LoRA touches are copied; the result overrides them in the session (see {@link MergedWeights}).
 *
 * <p>Memory: the files are matched first (names and shapes only), then each weight is merged on its own: read from
 * the model's files straight into its direct buffer and the deltas added there (an fp32 weight never touches the
 * Java heap; an fp16 one is widened into one float array while it is merged). The heap holds one weight at a time
 * at most, whatever the size of the model or of the set.
 */
public final class LoraMerger {
    /** Per component, the weights LoRA modules merge into; a component without them reports its keys unmatched. */
    private final Map<LoraFile.Component, ModelWeights> models = new EnumMap<>(LoraFile.Component.class);
    private final Map<LoraFile.Component, ModuleLookup> lookups = new EnumMap<>(LoraFile.Component.class);

    /**
     * @param unet        the UNet's weights
     * @param textEncoder the text encoder's weights, or null when text-encoder LoRAs are not to be applied (their
     *                    keys are then reported as unmatched)
     */
    public LoraMerger(ModelWeights unet, ModelWeights textEncoder) {
        this(unet, textEncoder, null);
    }

    /** @param textEncoder2 SDXL's second text encoder's weights ({@code lora_te2_} keys), or null */
    public LoraMerger(ModelWeights unet, ModelWeights textEncoder, ModelWeights textEncoder2) {
        models.put(LoraFile.Component.UNET, unet);
        if (textEncoder != null) {
            models.put(LoraFile.Component.TEXT_ENCODER, textEncoder);
        }
        if (textEncoder2 != null) {
            models.put(LoraFile.Component.TEXT_ENCODER_2, textEncoder2);
        }
    }

    /** One weight to merge and what is added to it: modules of the set's files, in file order. */
    private record Target(WeightTarget weight, ModelWeights model, List<Contribution> contributions) {
    }

    private record Contribution(LoraFile file, LoraFile.Module module, double multiplier) {
    }

    /** Merges every file of the set; fails when a file matches no weight at all or a shape does not fit. */
    public MergedLoras merge(LoraSet set) {
        Map<LoraFile.Component, Map<String, Target>> weights = new EnumMap<>(LoraFile.Component.class);
        for (LoraFile.Component c : LoraFile.Component.values()) {
            weights.put(c, new LinkedHashMap<>());
        }
        List<LoraReport> reports = new ArrayList<>();
        List<LoraFile> open = new ArrayList<>();
        Map<LoraFile.Component, MergedWeights> merged = new EnumMap<>(LoraFile.Component.class);
        try {
            for (LoraSet.Entry entry : set.entries()) {
                LoraFile file = LoraFile.open(entry.file());
                open.add(file);
                reports.add(match(file, entry.multiplier(), weights));
            }
            for (LoraFile.Component c : LoraFile.Component.values()) {
                merged.put(c, toMerged(models.get(c), weights.get(c)));
            }
            return new MergedLoras(merged.get(LoraFile.Component.UNET), merged.get(LoraFile.Component.TEXT_ENCODER),
                    merged.get(LoraFile.Component.TEXT_ENCODER_2), reports);
        } catch (RuntimeException e) {
            merged.values().forEach(MergedWeights::close);
            throw e;
        } finally {
            open.forEach(LoraFile::close);
        }
    }

    private LoraReport match(LoraFile file, double multiplier,
                             Map<LoraFile.Component, Map<String, Target>> weights) {
        List<String> unmatched = new ArrayList<>();
        List<String> reasonsSample = new ArrayList<>();
        int matched = 0;
        boolean quantizedMiss = false;
        for (LoraFile.Module m : file.modules()) {
            String why = null;
            WeightTarget target = null;
            ModelWeights model = null;
            if (m.component() == null) {
                why = "no model for prefix of '" + m.stem() + "'";
            } else if (m.downKey() == null || m.upKey() == null) {
                why = "module has no " + (m.downKey() == null ? "lora_down/lora_A" : "lora_up/lora_B") + " tensor";
            } else {
                model = models.get(m.component());
                if (model == null) {
                    why = m.component() == LoraFile.Component.TEXT_ENCODER_2
                            ? "the model has no second text encoder (text_encoder_2 is SDXL's)"
                            : "no text encoder loaded";
                } else {
                    ModuleLookup lookup = lookup(m.component());
                    String path = m.naming() == LoraFile.Naming.KOHYA ? lookup.kohya(m.name()) : lookup.peft(m.name());
                    if (path == null) {
                        why = m.naming() == LoraFile.Naming.KOHYA && lookup.isAmbiguous(m.name())
                                ? "name matches several modules of the model"
                                : model.quantizedWeights() > 0
                                ? "no float weight '" + m.name() + "' in " + model.modelFile() + ", an 8-bit "
                                        + "quantized export"
                                : "no module '" + m.name() + "' with a mergeable weight in " + model.modelFile();
                        quantizedMiss |= model.quantizedWeights() > 0;
                    } else {
                        target = model.targets().get(path);
                    }
                }
            }
            if (target == null) {
                for (String key : m.keys()) {
                    unmatched.add(key + " (" + why + ")");
                }
                if (reasonsSample.size() < 3) {
                    reasonsSample.add(m.stem() + ": " + why);
                }
                continue;
            }
            checkShapes(file, m, target);
            ModelWeights owner = model;
            WeightTarget weight = target;
            weights.get(m.component()).computeIfAbsent(target.initializerName(), k -> new Target(weight, owner, new ArrayList<>()))
                    .contributions().add(new Contribution(file, m, multiplier));
            matched++;
        }
        for (String key : file.strayKeys()) {
            unmatched.add(key + " (not a lora_down/lora_up/alpha tensor; LoHa, LoKr and DoRA are not supported)");
        }
        if (matched == 0 && quantizedMiss) {
            throw new LoraException("LoRA file " + file.path() + " cannot be merged into this model: its weights are "
                    + "8-bit quantized (an int8 export), and a LoRA adds to float weights (e.g. "
                    + String.join("; ", reasonsSample) + "). Draw with the model's fp32 or fp16 export, or merge the "
                    + "LoRA into that export and quantize the result.");
        }
        if (matched == 0) {
            throw new LoraException("LoRA file " + file.path() + " matched no weight of the model ("
                    + file.modules().size() + " modules, e.g. " + String.join("; ", reasonsSample)
                    + "). Is it a LoRA for a different base model?");
        }
        return new LoraReport(file.path(), matched, unmatched);
    }

    private ModuleLookup lookup(LoraFile.Component component) {
        return lookups.computeIfAbsent(component, c -> new ModuleLookup(models.get(c).targets().keySet(),
                c == LoraFile.Component.UNET));
    }

    /** The LoRA's factors must fit the weight: down [r, in] (or [r, in, 1, 1], or LoCon [r, in, kh, kw]), up [out, r]. */
    private static void checkShapes(LoraFile file, LoraFile.Module m, WeightTarget target) {
        long[] downShape = file.shape(m.downKey());
        long[] upShape = file.shape(m.upKey());
        long out = target.outFeatures();
        long in = target.inFeatures();
        long[] w = target.shape();
        boolean upFits = (upShape.length == 2 || (upShape.length == 4 && upShape[2] == 1 && upShape[3] == 1))
                && upShape[0] == out;
        boolean downFits;
        if (downShape.length == 2) {
            downFits = downShape[1] == in; // also a Linear LoRA on a 1x1 Conv: [out, in, 1, 1] flattens to [out, in]
        } else if (downShape.length == 4 && w.length == 4 && target.layout() == WeightTarget.Layout.OUT_IN) {
            downFits = Arrays.equals(Arrays.copyOfRange(downShape, 1, 4), Arrays.copyOfRange(w, 1, 4)); // LoCon
        } else {
            downFits = downShape.length == 4 && downShape[1] == in && downShape[2] == 1 && downShape[3] == 1;
        }
        if (!(upFits && downFits && upShape[1] == downShape[0])) {
            throw new LoraException("LoRA file " + file.path() + ": module " + m.stem() + " has lora_down "
                    + Arrays.toString(downShape) + " and lora_up " + Arrays.toString(upShape)
                    + ", which do not fit weight " + target.modulePath() + " " + Arrays.toString(target.shape())
                    + " (expected [r, " + in + "] and [" + out + ", r]). Is it a LoRA for a different base model?");
        }
    }

    /** Adds {@code scale * up @ down} into {@code weight}, in the weight's own layout (shapes already checked). */
    private static void addDelta(LoraFile file, LoraFile.Module m, WeightTarget target, double multiplier,
                                 FloatBuffer weight) {
        long[] downShape = file.shape(m.downKey());
        long out = target.outFeatures();
        long in = target.inFeatures();
        int rank = (int) downShape[0];
        if (rank == 0) {
            return;
        }
        float alpha = file.alpha(m, target.modulePath());
        if (Float.isNaN(alpha) || alpha == 0f) {
            alpha = rank;
        }
        float scale = (float) (multiplier * alpha / rank);
        float[] down = file.down(m); // [r, in]
        float[] up = file.up(m);     // [out, r]
        int outN = (int) out;
        int inN = (int) in;
        float[] row = new float[inN];
        for (int o = 0; o < outN; o++) {
            Arrays.fill(row, 0f);
            for (int k = 0; k < rank; k++) {
                float u = scale * up[o * rank + k];
                int base = k * inN;
                for (int i = 0; i < inN; i++) {
                    row[i] += u * down[base + i];
                }
            }
            if (target.layout() == WeightTarget.Layout.OUT_IN) {
                int base = o * inN;
                for (int i = 0; i < inN; i++) {
                    weight.put(base + i, weight.get(base + i) + row[i]);
                }
            } else { // [in, out]: column o
                for (int i = 0; i < inN; i++) {
                    weight.put(i * outN + o, weight.get(i * outN + o) + row[i]);
                }
            }
        }
    }

    /** Each weight read into its own direct buffer and merged there, one weight at a time. */
    private static MergedWeights toMerged(ModelWeights model, Map<String, Target> weights) {
        if (weights.isEmpty()) {
            return MergedWeights.empty();
        }
        Map<String, MergedWeights.Tensor> tensors = new LinkedHashMap<>();
        for (Target t : weights.values()) {
            WeightTarget w = t.weight();
            ByteBuffer data = t.model().read(w);
            if (w.elementType() == WeightTarget.ElementType.FLOAT) {
                FloatBuffer values = data.asFloatBuffer();
                for (Contribution c : t.contributions()) {
                    addDelta(c.file(), c.module(), w, c.multiplier(), values);
                }
            } else {
                boolean half = w.elementType() == WeightTarget.ElementType.FLOAT16;
                float[] values = new float[data.capacity() / 2];
                for (int i = 0; i < values.length; i++) {
                    short bits = data.getShort(2 * i);
                    values[i] = half ? Float16.toFloat(bits) : Float16.bf16ToFloat(bits);
                }
                for (Contribution c : t.contributions()) {
                    addDelta(c.file(), c.module(), w, c.multiplier(), FloatBuffer.wrap(values));
                }
                for (int i = 0; i < values.length; i++) {
                    data.putShort(2 * i, half ? Float16.fromFloat(values[i]) : Float16.floatToBf16(values[i]));
                }
            }
            checkFinite(t, data);
            tensors.put(w.initializerName(), new MergedWeights.Tensor(w.initializerName(), w.shape().clone(),
                    w.elementType(), w.external(), data));
        }
        return new MergedWeights(model.model(), tensors);
    }

    /**
     * A merged weight must hold finite values only: a NaN here would draw a black image, and an fp16 weight
     * overflows beyond 65504. The message names the LoRA files and the module.
     */
    private static void checkFinite(Target t, ByteBuffer data) {
        WeightTarget w = t.weight();
        int n = data.capacity() / w.elementType().bytes;
        for (int i = 0; i < n; i++) {
            float stored = switch (w.elementType()) {
                case FLOAT -> data.getFloat(4 * i);
                case FLOAT16 -> Float16.toFloat(data.getShort(2 * i));
                case BFLOAT16 -> Float16.bf16ToFloat(data.getShort(2 * i));
            };
            if (!Float.isFinite(stored)) {
                Set<String> files = new LinkedHashSet<>();
                t.contributions().forEach(c -> files.add(c.file().path().toString()));
                throw new LoraException("merging LoRA file" + (files.size() == 1 ? " " : "s ") + String.join(", ", files)
                        + " into " + w.modulePath() + " of " + t.model().modelFile() + " gives a value that "
                        + w.elementType().name().toLowerCase(Locale.ROOT) + " cannot hold (" + stored
                        + "): lower the LoRA weight");
            }
        }
    }
}
