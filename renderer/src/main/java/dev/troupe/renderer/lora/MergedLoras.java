package dev.troupe.renderer.lora;

import java.util.List;

/**
 * The result of merging one {@link LoraSet}: weights for the UNet and for the text encoder (either may be empty),
 * and what each file matched. Owns the off-heap tensors: close it after the sessions built with it
 * (see {@link MergedWeights}).
 */
public final class MergedLoras implements AutoCloseable {
    private final MergedWeights unet;
    private final MergedWeights textEncoder;
    private final List<LoraReport> reports;

    MergedLoras(MergedWeights unet, MergedWeights textEncoder, List<LoraReport> reports) {
        this.unet = unet;
        this.textEncoder = textEncoder;
        this.reports = List.copyOf(reports);
    }

    public MergedWeights unet() {
        return unet;
    }

    public MergedWeights textEncoder() {
        return textEncoder;
    }

    /** One report per file of the set, in order. */
    public List<LoraReport> reports() {
        return reports;
    }

    /** Off-heap bytes of all merged tensors. */
    public long bytes() {
        return unet.bytes() + textEncoder.bytes();
    }

    @Override
    public void close() {
        unet.close();
        textEncoder.close();
    }
}
