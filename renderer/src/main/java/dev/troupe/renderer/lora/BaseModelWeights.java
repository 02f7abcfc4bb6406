package dev.troupe.renderer.lora;

import java.nio.file.Path;
import java.util.Set;

/**
 * The LoRA-targetable weights of one model folder's UNet and text encoder(s), each resolved from its ONNX graph on
 * first need and kept, so that merging several LoRA sets into one model reads each graph once.
 */
public final class BaseModelWeights {
    private final Path unetModel;
    private final Path textEncoderModel;
    private final Path textEncoder2Model;
    private ModelWeights unet;
    private ModelWeights textEncoder;
    private ModelWeights textEncoder2;

    public BaseModelWeights(Path unetModel, Path textEncoderModel) {
        this(unetModel, textEncoderModel, null);
    }

    /** @param textEncoder2Model SDXL's {@code text_encoder_2}, or null for a model with one text encoder */
    public BaseModelWeights(Path unetModel, Path textEncoderModel, Path textEncoder2Model) {
        this.unetModel = unetModel;
        this.textEncoderModel = textEncoderModel;
        this.textEncoder2Model = textEncoder2Model;
    }

    /**
     * Merges {@code set} into the base weights. A text encoder's graph is read only when the set has keys for it.
     */
    public synchronized MergedLoras merge(LoraSet set) {
        if (unet == null) {
            unet = OnnxWeightResolver.resolve(unetModel);
        }
        Set<LoraFile.Component> touched = set.components();
        if (textEncoder == null && touched.contains(LoraFile.Component.TEXT_ENCODER)) {
            textEncoder = OnnxWeightResolver.resolve(textEncoderModel);
        }
        if (textEncoder2 == null && textEncoder2Model != null && touched.contains(LoraFile.Component.TEXT_ENCODER_2)) {
            textEncoder2 = OnnxWeightResolver.resolve(textEncoder2Model);
        }
        return new LoraMerger(unet, textEncoder, textEncoder2).merge(set);
    }
}
