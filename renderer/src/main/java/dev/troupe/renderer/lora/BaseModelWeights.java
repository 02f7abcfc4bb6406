package dev.troupe.renderer.lora;

import java.nio.file.Path;

/**
 * The LoRA-targetable weights of one model folder's UNet and text encoder, each resolved from its ONNX graph on
 * first need and kept, so that merging several LoRA sets into one model reads each graph once.
 */
public final class BaseModelWeights {
    private final Path unetModel;
    private final Path textEncoderModel;
    private ModelWeights unet;
    private ModelWeights textEncoder;

    public BaseModelWeights(Path unetModel, Path textEncoderModel) {
        this.unetModel = unetModel;
        this.textEncoderModel = textEncoderModel;
    }

    /**
     * Merges {@code set} into the base weights. The text encoder's graph is read only when the set has
     * text-encoder keys.
     */
    public synchronized MergedLoras merge(LoraSet set) {
        if (unet == null) {
            unet = OnnxWeightResolver.resolve(unetModel);
        }
        if (textEncoder == null && set.hasTextEncoderKeys()) {
            textEncoder = OnnxWeightResolver.resolve(textEncoderModel);
        }
        return new LoraMerger(unet, textEncoder).merge(set);
    }
}
