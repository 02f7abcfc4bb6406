package dev.troupe.scene;

/** A LoRA file (safetensors, path relative to the plan file or absolute) and its multiplier. */
public record LoraRef(String file, double weight) {
}
