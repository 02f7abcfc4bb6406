package dev.troupe.renderer;

/**
 * A drawn image and where the time went.
 *
 * @param totalNanos   wall time of the render
 * @param sessionNanos time inside ONNX Runtime session runs (text encoder, UNet steps, VAE)
 * @param sessionRuns  the number of session runs
 * @param unetBatch    the UNet batch size (2 with classifier-free guidance, else 1)
 */
public record RenderResult(RgbImage image, long totalNanos, long sessionNanos, long sessionRuns, int unetBatch) {

    /** The loop's own share of the time: (total - session) / total. */
    public double overheadFraction() {
        return totalNanos == 0 ? 0 : (double) (totalNanos - sessionNanos) / totalNanos;
    }
}
