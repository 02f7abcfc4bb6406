package dev.troupe.renderer.lora;

import java.nio.file.Path;
import java.util.List;

/**
 * What one LoRA file did to the model.
 *
 * @param file            the LoRA
 * @param matchedModules  modules merged into a model weight
 * @param unmatchedKeys   the file's keys that matched nothing, each with the reason, e.g.
 *                        {@code "lora_unet_foo.lora_down.weight (no module foo in the UNet)"}
 */
public record LoraReport(Path file, int matchedModules, List<String> unmatchedKeys) {
    public LoraReport {
        unmatchedKeys = List.copyOf(unmatchedKeys);
    }
}
