package dev.troupe.renderer.lora;

import java.util.List;

/**
 * The result of merging one {@link LoraSet}: weights for the UNet, the text encoder and SDXL's second text encoder
 * (any may be empty),
 * and what each file matched. Owns the off-heap tensors until {@link #release()}: call it once the sessions built
 * with it exist (see {@link MergedWeights}).
 */
public final class MergedLoras implements AutoCloseable {
    private final MergedWeights unet;
    private final MergedWeights textEncoder;
    private final MergedWeights textEncoder2;
    private final List<LoraReport> reports;

    MergedLoras(MergedWeights unet, MergedWeights textEncoder, MergedWeights textEncoder2, List<LoraReport> reports) {
        this.unet = unet;
        this.textEncoder = textEncoder;
        this.textEncoder2 = textEncoder2;
        this.reports = List.copyOf(reports);
    }

    public MergedWeights unet() {
        return unet;
    }

    public MergedWeights textEncoder() {
        return textEncoder;
    }

    /** SDXL's {@code text_encoder_2} ({@code lora_te2_}, {@code text_encoder_2.} keys). */
    public MergedWeights textEncoder2() {
        return textEncoder2;
    }

    /** One report per file of the set, in order. */
    public List<LoraReport> reports() {
        return reports;
    }

    /** Bytes of all merged tensors (held off-heap until released, then in the sessions). */
    public long bytes() {
        return unet.bytes() + textEncoder.bytes() + textEncoder2.bytes();
    }

    /** Lets go of the merged tensors: the sessions created with them hold their own copies. */
    public void release() {
        unet.release();
        textEncoder.release();
        textEncoder2.release();
    }

    @Override
    public void close() {
        release();
    }
}
