package dev.troupe.renderer.lora;

import dev.troupe.scene.LoraRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The LoRAs applied together to one render (the whole image or one region): files with their multipliers. Equal
 * sets give equal merged weights, so a set is also the key under which a merged session can be cached.
 */
public record LoraSet(List<Entry> entries) {
    /** One LoRA file and its multiplier (1 = as trained, 0 = off, negative = inverted). */
    public record Entry(Path file, double multiplier) {
        public Entry {
            if (file == null) {
                throw new LoraException("A LoRA entry needs a file");
            }
            if (!Double.isFinite(multiplier)) {
                throw new LoraException("LoRA " + file + " has multiplier " + multiplier + "; use a finite number");
            }
        }
    }

    public LoraSet {
        entries = List.copyOf(entries);
    }

    public static LoraSet of(Path file, double multiplier) {
        return new LoraSet(List.of(new Entry(file, multiplier)));
    }

    /** Plan references ({@code file} relative to {@code baseDir} unless absolute). */
    public static LoraSet fromRefs(List<LoraRef> refs, Path baseDir) {
        List<Entry> entries = new ArrayList<>();
        for (LoraRef ref : refs) {
            Path file = Path.of(ref.file());
            entries.add(new Entry(file.isAbsolute() ? file : baseDir.resolve(file), ref.weight()));
        }
        return new LoraSet(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
