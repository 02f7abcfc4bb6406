package dev.troupe.renderer.lora;

import dev.troupe.scene.LoraRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

    /** This set's entries followed by {@code other}'s (a region's LoRAs on top of the global ones). */
    public LoraSet plus(LoraSet other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new LoraSet(all);
    }

    /**
     * The same merge in one canonical form, so that equal merges get equal cache keys: absolute normalised paths,
     * one entry per file (multipliers of repeated files add up, as their deltas do), zero multipliers dropped,
     * sorted by path.
     */
    public LoraSet canonical() {
        Map<Path, Double> byFile = new TreeMap<>();
        for (Entry e : entries) {
            byFile.merge(e.file().toAbsolutePath().normalize(), e.multiplier(), Double::sum);
        }
        List<Entry> out = new ArrayList<>();
        byFile.forEach((file, m) -> {
            if (m != 0) {
                out.add(new Entry(file, m));
            }
        });
        return new LoraSet(out);
    }

    /**
     * The components the set's files have keys for, read from the files' headers once: e.g. TEXT_ENCODER for
     * {@code lora_te_*} or {@code text_encoder.*} keys.
     */
    public Set<LoraFile.Component> components() {
        Set<LoraFile.Component> components = EnumSet.noneOf(LoraFile.Component.class);
        for (Entry e : entries) {
            try (LoraFile file = LoraFile.open(e.file())) {
                for (LoraFile.Module m : file.modules()) {
                    if (m.component() != null) {
                        components.add(m.component());
                    }
                }
            }
        }
        return components;
    }

    /** {@code name:multiplier, ...} for messages and reports. */
    public String describe() {
        if (entries.isEmpty()) {
            return "(no LoRA)";
        }
        List<String> parts = new ArrayList<>();
        for (Entry e : entries) {
            parts.add(e.file().getFileName() + ":" + e.multiplier());
        }
        return String.join(" + ", parts);
    }
}
