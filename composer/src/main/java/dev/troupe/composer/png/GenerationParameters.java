package dev.troupe.composer.png;

/**
 * What produced an image, in the form AUTOMATIC1111's web UI writes to its {@code parameters} PNG text, which
 * other tools (ComfyUI, InvokeAI, image browsers) read:
 * <pre>
 * a person in a red shirt
 * Negative prompt: blurry
 * Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model hash: 0123456789, Model: sd15
 * </pre>
 *
 * @param modelHash the model's hash; its first 10 hex digits are written, as A1111 does
 */
public record GenerationParameters(String prompt, String negativePrompt, int steps, String sampler, double cfgScale,
                                   long seed, int width, int height, String modelHash, String modelName) {

    public String toA1111() {
        StringBuilder sb = new StringBuilder(prompt == null ? "" : prompt.strip());
        if (negativePrompt != null && !negativePrompt.isBlank()) {
            sb.append("\nNegative prompt: ").append(negativePrompt.strip());
        }
        sb.append("\nSteps: ").append(steps)
                .append(", Sampler: ").append(sampler)
                .append(", CFG scale: ").append(formatNumber(cfgScale))
                .append(", Seed: ").append(seed)
                .append(", Size: ").append(width).append('x').append(height);
        if (modelHash != null && !modelHash.isEmpty()) {
            sb.append(", Model hash: ").append(modelHash, 0, Math.min(10, modelHash.length()));
        }
        if (modelName != null && !modelName.isEmpty()) {
            sb.append(", Model: ").append(modelName.replace(",", " "));
        }
        return sb.toString();
    }

    private static String formatNumber(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
