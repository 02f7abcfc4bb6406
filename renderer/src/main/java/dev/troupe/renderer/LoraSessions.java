package dev.troupe.renderer;

import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.MergedLoras;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.scene.UserInputException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * UNet (and text-encoder) sessions of one model with different LoRA sets merged in, each built once and kept, so
 * that regions with their own LoRAs run through their own weights at the same per-step cost as the base model.
 *
 * <p>A set asked for is a region's own LoRAs; they add to the model's global ones ({@link StableDiffusionModel#loras()}).
 * Sets are keyed by the canonical form of the combined set, so two regions with equal LoRAs share a session and a
 * region whose LoRAs come to nothing uses the model's own sessions. A variant gets its own text encoder only when
 * the region's LoRAs have text-encoder keys.
 *
 * <p>Memory: each variant holds a whole UNet session (its size is estimated from the model's files) plus the merged
 * tensors. Variants in use are pinned by a {@link Lease}; unpinned ones are evicted least-recently-used first when
 * a new one would exceed the budget. When the variants one render needs at once do not fit, {@link #lease} fails
 * with a message instead of thrashing.
 */
public final class LoraSessions implements AutoCloseable {

    /** Default budget for the sessions of LoRA variants, beyond the model's own. */
    public static final long DEFAULT_BUDGET_BYTES = 4L << 30;

    /** One LoRA set's sessions. */
    public static final class Variant {
        private final LoraSet loras;
        private final UNet unet;
        private final TextEncoder textEncoder;
        private final boolean ownTextEncoder;
        private final MergedLoras merged;
        private final long bytes;
        private final long buildNanos;
        private int pins;

        private Variant(LoraSet loras, UNet unet, TextEncoder textEncoder, boolean ownTextEncoder, MergedLoras merged,
                        long bytes, long buildNanos) {
            this.loras = loras;
            this.unet = unet;
            this.textEncoder = textEncoder;
            this.ownTextEncoder = ownTextEncoder;
            this.merged = merged;
            this.bytes = bytes;
            this.buildNanos = buildNanos;
        }

        /** Every LoRA merged into these sessions (global and the region's own), canonical. */
        public LoraSet loras() {
            return loras;
        }

        public UNet unet() {
            return unet;
        }

        /** The variant's own text encoder when its LoRAs touch it, else the model's. */
        public TextEncoder textEncoder() {
            return textEncoder;
        }

        /** Whether prompts for this variant must be encoded with {@link #textEncoder()} rather than the model's. */
        public boolean hasOwnTextEncoder() {
            return ownTextEncoder;
        }

        /** What each file matched; empty for the model's own sessions. */
        public List<LoraReport> reports() {
            return merged == null ? List.of() : merged.reports();
        }

        /** Estimated memory of this variant's sessions and merged tensors; 0 for the model's own. */
        public long bytes() {
            return bytes;
        }

        /** Time spent merging and creating the sessions; 0 for the model's own. */
        public long buildNanos() {
            return buildNanos;
        }

        private void close() {
            unet.close();
            if (ownTextEncoder) {
                textEncoder.close();
            }
            merged.close(); // after the sessions that read its tensors
        }
    }

    /** Variants pinned for one render; close to let them be evicted again. */
    public final class Lease implements AutoCloseable {
        private final Map<LoraSet, Variant> byRegionSet;
        private boolean closed;

        private Lease(Map<LoraSet, Variant> byRegionSet) {
            this.byRegionSet = byRegionSet;
        }

        /** The variant for a region's own LoRA set (as passed to {@link LoraSessions#lease}). */
        public Variant get(LoraSet regionSet) {
            Variant v = byRegionSet.get(regionSet);
            if (v == null) {
                throw new IllegalArgumentException("not leased: " + regionSet.describe());
            }
            return v;
        }

        @Override
        public void close() {
            synchronized (LoraSessions.this) {
                if (!closed) {
                    closed = true;
                    new LinkedHashSet<>(byRegionSet.values()).forEach(v -> v.pins--);
                }
            }
        }
    }

    private final StableDiffusionModel model;
    private final long budgetBytes;
    private final Variant base;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<LoraSet, Variant> resident = new LinkedHashMap<>(16, 0.75f, true);
    private long unetSessionBytes = -1;
    private long textSessionBytes = -1;
    private int builds;
    private int evictions;

    /**
     * @param budgetBytes memory allowed for variants' sessions beyond the model's own (at least one variant is
     *                    always allowed)
     */
    public LoraSessions(StableDiffusionModel model, long budgetBytes) {
        if (budgetBytes < 0) {
            throw new UserInputException("the LoRA session memory budget must be >= 0, not " + budgetBytes);
        }
        this.model = model;
        this.budgetBytes = budgetBytes;
        this.base = new Variant(model.loras(), model.unet(), model.textEncoder(), false, null, 0, 0);
    }

    /**
     * Builds (or finds) and pins the variants for these region sets.
     *
     * @param regionSets each region's own LoRAs (paths already resolved); an empty set means the model's own
     * @throws dev.troupe.renderer.lora.LoraException for a bad LoRA file
     * @throws UserInputException when the variants needed at once exceed the budget
     */
    public synchronized Lease lease(Collection<LoraSet> regionSets) {
        Map<LoraSet, Variant> leased = new LinkedHashMap<>();
        try {
            for (LoraSet regionSet : regionSets) {
                if (!leased.containsKey(regionSet)) {
                    Variant v = variant(regionSet, leased.size() + 1);
                    v.pins++;
                    leased.put(regionSet, v);
                }
            }
        } catch (RuntimeException e) {
            new LinkedHashSet<>(leased.values()).forEach(v -> v.pins--);
            throw e;
        }
        return new Lease(leased);
    }

    private Variant variant(LoraSet regionSet, int needed) {
        LoraSet own = regionSet.canonical();
        LoraSet combined = model.loras().plus(own).canonical();
        if (own.isEmpty() || combined.equals(model.loras())) {
            return base;
        }
        Variant v = resident.get(combined);
        if (v != null) {
            return v;
        }
        boolean ownText = own.hasTextEncoderKeys();
        long estimate = unetSessionBytes() + (ownText ? textSessionBytes() : 0);
        makeRoom(estimate, needed, combined);
        long start = System.nanoTime();
        MergedLoras merged = model.baseWeights().merge(combined);
        UNet unet = null;
        try {
            unet = UNet.open(model.sessions(), model.directory().unetModel(), model.clock(), merged.unet());
            TextEncoder text = model.textEncoder();
            if (ownText) {
                int length = model.directory().optionalConfig("text_encoder/config.json")
                        .path("max_position_embeddings").asInt(77);
                text = TextEncoder.open(model.sessions(), model.directory().textEncoderModel(),
                        model.directory().tokenizerFolder(), length, model.clock(), merged.textEncoder());
            }
            v = new Variant(combined, unet, text, ownText, merged, estimate + merged.bytes(),
                    System.nanoTime() - start);
        } catch (RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            merged.close();
            throw e;
        }
        resident.put(combined, v);
        builds++;
        return v;
    }

    /** Evicts unpinned variants, least recently used first, until {@code more} bytes fit the budget. */
    private void makeRoom(long more, int needed, LoraSet next) {
        var it = resident.values().iterator();
        while (residentBytes() + more > budgetBytes && it.hasNext()) {
            Variant v = it.next();
            if (v.pins == 0) {
                it.remove();
                v.close();
                evictions++;
            }
        }
        long pinned = residentBytes();
        if (pinned > 0 && pinned + more > budgetBytes) {
            throw new UserInputException(String.format(Locale.ROOT, "the render needs %d LoRA sets at once (the last: "
                            + "%s), about %s of sessions, over the LoRA memory budget of %s. Raise --lora-memory, "
                            + "give fewer regions their own LoRAs, or use --mode composite (one set at a time).",
                    needed, next.describe(), mib(pinned + more), mib(budgetBytes)));
        }
    }

    private long residentBytes() {
        long n = 0;
        for (Variant v : resident.values()) {
            n += v.bytes;
        }
        return n;
    }

    private long unetSessionBytes() {
        if (unetSessionBytes < 0) {
            unetSessionBytes = model.unetBytes();
        }
        return unetSessionBytes;
    }

    private long textSessionBytes() {
        if (textSessionBytes < 0) {
            textSessionBytes = ModelDirectory.componentBytes(model.directory().textEncoderModel());
        }
        return textSessionBytes;
    }

    /** Variants built so far (each distinct set once, unless evicted and needed again). */
    public synchronized int builds() {
        return builds;
    }

    public synchronized int evictions() {
        return evictions;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The resident variants, least recently used first. */
    public synchronized List<Variant> resident() {
        return List.copyOf(resident.values());
    }

    /** The budget and what is resident, one line per variant, for {@code --verbose}. */
    public synchronized String describe() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "LoRA sessions: budget %s, %d resident (%s), %d built, %d evicted",
                mib(budgetBytes), resident.size(), mib(residentBytes()), builds, evictions));
        for (Variant v : resident.values()) {
            lines.add(String.format(Locale.ROOT, "  %s: %s, built in %.2f s%s", v.loras.describe(), mib(v.bytes),
                    v.buildNanos / 1e9, v.ownTextEncoder ? ", own text encoder" : ""));
        }
        return String.join("\n", lines);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public synchronized void close() {
        resident.values().forEach(Variant::close);
        resident.clear();
    }
}
