package dev.troupe.renderer.lora;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
public final class LoraMerger {
    private final ModelWeights unet;
    private final ModelWeights textEncoder;
    private ModuleLookup unetLookup;
    private ModuleLookup textEncoderLookup;

    /**
     * @param unet        the UNet's weights
     * @param textEncoder the text encoder's weights, or null when text-encoder LoRAs are not to be applied (their
     *                    keys are then reported as unmatched)
     */
    public LoraMerger(ModelWeights unet, ModelWeights textEncoder) {
        this.unet = unet;
        this.textEncoder = textEncoder;
    }

    /** Merges every file of the set; fails when a file matches no weight at all or a shape does not fit. */
    public MergedLoras merge(LoraSet set) {
        Map<String, Accumulator> unetWeights = new LinkedHashMap<>();
        Map<String, Accumulator> textWeights = new LinkedHashMap<>();
        List<LoraReport> reports = new ArrayList<>();
        for (LoraSet.Entry entry : set.entries()) {
            try (LoraFile file = LoraFile.open(entry.file())) {
                reports.add(mergeFile(file, entry.multiplier(), unetWeights, textWeights));
            }
        }
        return new MergedLoras(toMerged(unetWeights), toMerged(textWeights), reports);
    }

    private LoraReport mergeFile(LoraFile file, double multiplier, Map<String, Accumulator> unetWeights,
                                 Map<String, Accumulator> textWeights) {
        List<String> unmatched = new ArrayList<>();
        List<String> reasonsSample = new ArrayList<>();
        int matched = 0;
        for (LoraFile.Module m : file.modules()) {
            String why = null;
            WeightTarget target = null;
            ModelWeights model = null;
            if (m.component() == null) {
                why = "no model for prefix of '" + m.stem() + "'";
            } else if (m.downKey() == null || m.upKey() == null) {
                why = "module has no " + (m.downKey() == null ? "lora_down/lora_A" : "lora_up/lora_B") + " tensor";
            } else {
                model = m.component() == LoraFile.Component.UNET ? unet : textEncoder;
                if (model == null) {
                    why = "no text encoder loaded";
                } else {
                    ModuleLookup lookup = lookup(m.component());
                    String path = m.naming() == LoraFile.Naming.KOHYA ? lookup.kohya(m.name()) : lookup.peft(m.name());
                    if (path == null) {
                        why = m.naming() == LoraFile.Naming.KOHYA && lookup.isAmbiguous(m.name())
                                ? "name matches several modules of the model"
                                : "no module '" + m.name() + "' with a mergeable weight in " + model.modelFile();
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
            Map<String, Accumulator> weights = m.component() == LoraFile.Component.UNET ? unetWeights : textWeights;
            Accumulator acc = weights.get(target.initializerName());
            if (acc == null) {
                acc = new Accumulator(target, model.readFloats(target), model.modelFile());
                weights.put(target.initializerName(), acc);
            }
            addDelta(file, m, target, multiplier, acc.values);
            acc.files.add(file.path());
            matched++;
        }
        for (String key : file.strayKeys()) {
            unmatched.add(key + " (not a lora_down/lora_up/alpha tensor; LoHa, LoKr and DoRA are not supported)");
        }
        if (matched == 0) {
            throw new LoraException("LoRA file " + file.path() + " matched no weight of the model ("
                    + file.modules().size() + " modules, e.g. " + String.join("; ", reasonsSample)
                    + "). Is it a LoRA for a different base model?");
        }
        return new LoraReport(file.path(), matched, unmatched);
    }

    private ModuleLookup lookup(LoraFile.Component component) {
        if (component == LoraFile.Component.UNET) {
            if (unetLookup == null) {
                unetLookup = new ModuleLookup(unet.targets().keySet(), true);
            }
            return unetLookup;
        }
        if (textEncoderLookup == null) {
            textEncoderLookup = new ModuleLookup(textEncoder.targets().keySet(), false);
        }
        return textEncoderLookup;
    }

    /** Adds {@code scale * up @ down} into {@code w}, in the weight's own layout. */
    private static void addDelta(LoraFile file, LoraFile.Module m, WeightTarget target, double multiplier,
                                 float[] weight) {
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
        boolean fits = upFits && downFits && upShape[1] == downShape[0];
        if (!fits) {
            throw new LoraException("LoRA file " + file.path() + ": module " + m.stem() + " has lora_down "
                    + Arrays.toString(downShape) + " and lora_up " + Arrays.toString(upShape)
                    + ", which do not fit weight " + target.modulePath() + " " + Arrays.toString(target.shape())
                    + " (expected [r, " + in + "] and [" + out + ", r]). Is it a LoRA for a different base model?");
        }
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
                    weight[base + i] += row[i];
                }
            } else { // [in, out]: column o
                for (int i = 0; i < inN; i++) {
                    weight[i * outN + o] += row[i];
                }
            }
        }
    }

    private static MergedWeights toMerged(Map<String, Accumulator> weights) {
        Map<String, MergedWeights.Tensor> tensors = new LinkedHashMap<>();
        for (Accumulator acc : weights.values()) {
            WeightTarget t = acc.target;
            ByteBuffer data = ByteBuffer.allocateDirect(acc.values.length * t.elementType().bytes)
                    .order(ByteOrder.nativeOrder());
            for (int i = 0; i < acc.values.length; i++) {
                float stored = switch (t.elementType()) {
                    case FLOAT -> {
                        data.putFloat(4 * i, acc.values[i]);
                        yield acc.values[i];
                    }
                    case FLOAT16 -> {
                        short half = Float16.fromFloat(acc.values[i]);
                        data.putShort(2 * i, half);
                        yield Float16.toFloat(half);
                    }
                    case BFLOAT16 -> {
                        short bf16 = Float16.floatToBf16(acc.values[i]);
                        data.putShort(2 * i, bf16);
                        yield Float16.bf16ToFloat(bf16);
                    }
                };
                if (!Float.isFinite(stored)) {
                    // a NaN here would draw a black image; an fp16 weight overflows beyond 65504
                    throw new LoraException("merging LoRA file" + (acc.files.size() == 1 ? " " : "s ")
                            + acc.files.stream().map(Path::toString).collect(Collectors.joining(", ")) + " into "
                            + t.modulePath() + " of " + acc.modelFile + " gives " + acc.values[i] + ", which "
                            + t.elementType().name().toLowerCase(Locale.ROOT) + " cannot hold: lower the LoRA weight");
                }
            }
            tensors.put(t.initializerName(),
                    new MergedWeights.Tensor(t.initializerName(), t.shape().clone(), t.elementType(), t.external(),
                            data));
        }
        return new MergedWeights(tensors);
    }

    private static final class Accumulator {
        final WeightTarget target;
        final float[] values;
        final Path modelFile;
        final Set<Path> files = new LinkedHashSet<>(); // the LoRA files merged into it, for messages

        Accumulator(WeightTarget target, float[] values, Path modelFile) {
            this.target = target;
            this.values = values;
            this.modelFile = modelFile;
        }
    }
}
