package dev.troupe.renderer;

import dev.troupe.renderer.lora.LoraFile;
import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.MergedLoras;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.onnx.NativeMemory;
import dev.troupe.scene.UserInputException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

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
        private final PromptEncoder prompts;
        /** Which of {@link #prompts}' encoders are this variant's own sessions (to close with it). */
        private final boolean ownFirst;
        private final boolean ownSecond;
        private final MergedLoras merged;
        private final long bytes;
        private final long buildNanos;

        private Variant(LoraSet loras, UNet unet, PromptEncoder prompts, boolean ownFirst, boolean ownSecond,
                        MergedLoras merged, long bytes, long buildNanos) {
            this.loras = loras;
            this.unet = unet;
            this.prompts = prompts;
            this.ownFirst = ownFirst;
            this.ownSecond = ownSecond;
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

        /** Prompts as this variant encodes them: its own text encoders where its LoRAs touch them, else the model's. */
        public PromptEncoder prompts() {
            return prompts;
        }

        /** Whether prompts for this variant must be encoded with {@link #prompts()} rather than the model's. */
        public boolean hasOwnTextEncoder() {
            return ownFirst || ownSecond;
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
            if (ownFirst) {
                prompts.first().close();
            }
            if (ownSecond) {
                prompts.second().close();
            }
        }
    }

    /** Variants pinned for one render; close to let them be evicted again. */
    public final class Lease implements AutoCloseable {
        private final Map<LoraSet, Variant> byRegionSet;
        private final List<Slot> pinned;
        private boolean closed;

        private Lease(Map<LoraSet, Variant> byRegionSet, List<Slot> pinned) {
            this.byRegionSet = byRegionSet;
            this.pinned = pinned;
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
                    pinned.forEach(slot -> slot.pins--);
                }
            }
        }
    }

    /**
     * One LoRA set's place in the cache: its variant, built once by the first lease that asks for it while later
     * ones wait on the same future; pinned by the leases that hold it.
     */
    private static final class Slot {
        final LoraSet loras;
        /** The region's own LoRAs change the first / the second text encoder: the variant gets its own session. */
        final boolean ownFirst;
        final boolean ownSecond;
        final long estimate;
        final CompletableFuture<Variant> variant = new CompletableFuture<>();
        int pins;

        Slot(LoraSet loras, boolean ownFirst, boolean ownSecond, long estimate) {
            this.loras = loras;
            this.ownFirst = ownFirst;
            this.ownSecond = ownSecond;
            this.estimate = estimate;
        }

        /** The variant's memory once built, the estimate before. */
        long bytes() {
            Variant v = variant.getNow(null);
            return v == null ? estimate : v.bytes;
        }
    }

    private final StableDiffusionModel model;
    private final long budgetBytes;
    private final Variant base;
    /** Access order: the first entry is the least recently used. Guarded by this; builds run outside the lock. */
    private final LinkedHashMap<LoraSet, Slot> resident = new LinkedHashMap<>(16, 0.75f, true);
    private long unetSessionBytes = -1;
    /** The first and the second text encoder's files in bytes, read on first need (-1: not yet). */
    private final long[] textSessionBytes = {-1, -1};
    private final Consumer<LoraSet> beforeBuild;
    private int builds;
    private int evictions;

    /**
     * @param budgetBytes memory allowed for variants' sessions beyond the model's own (at least one variant is
     *                    always allowed)
     */
    public LoraSessions(StableDiffusionModel model, long budgetBytes) {
        this(model, budgetBytes, set -> { });
    }

    /** @param beforeBuild told, on the building thread and outside any lock, when a set's build starts (tests) */
    LoraSessions(StableDiffusionModel model, long budgetBytes, Consumer<LoraSet> beforeBuild) {
        this.beforeBuild = beforeBuild;
        if (budgetBytes < 0) {
            throw new UserInputException("the LoRA session memory budget must be >= 0, not " + budgetBytes);
        }
        this.model = model;
        this.budgetBytes = budgetBytes;
        this.base = new Variant(model.loras(), model.unet(), model.promptEncoder(), false, false, null, 0, 0);
    }

    /**
     * Builds (or finds) and pins the variants for these region sets. Safe to call from many threads: a set already
     * resident is leased at once, whatever other sets are being built; a set being built by another lease is waited
     * for (one build per set), and the sets this call must build are built without holding any lock.
     *
     * @param regionSets each region's own LoRAs (paths already resolved); an empty set means the model's own
     * @throws dev.troupe.renderer.lora.LoraException for a bad LoRA file
     * @throws UserInputException when the variants needed at once exceed the budget
     */
    public Lease lease(Collection<LoraSet> regionSets) {
        Map<LoraSet, Slot> wanted = new LinkedHashMap<>();
        List<Slot> pinned = new ArrayList<>();
        List<Slot> mine = new ArrayList<>();
        List<Variant> evicted = new ArrayList<>();
        Map<LoraSet, Variant> leased = new LinkedHashMap<>();
        try {
            synchronized (this) {
                for (LoraSet regionSet : regionSets) {
                    if (wanted.containsKey(regionSet) || leased.containsKey(regionSet)) {
                        continue;
                    }
                    LoraSet own = regionSet.canonical();
                    LoraSet combined = model.loras().plus(own).canonical();
                    if (own.isEmpty() || combined.equals(model.loras())) {
                        leased.put(regionSet, base);
                        continue;
                    }
                    Slot slot = resident.get(combined);
                    if (slot == null) {
                        // a variant gets its own text encoder only when the region's own LoRAs change it
                        Set<LoraFile.Component> touched = own.components();
                        boolean ownFirst = touched.contains(LoraFile.Component.TEXT_ENCODER);
                        boolean ownSecond = model.textEncoder2() != null
                                && touched.contains(LoraFile.Component.TEXT_ENCODER_2);
                        long estimate = unetSessionBytes() + (ownFirst ? textSessionBytes(false) : 0)
                                + (ownSecond ? textSessionBytes(true) : 0);
                        makeRoom(estimate, pinned.size() + 1, combined, evicted);
                        slot = new Slot(combined, ownFirst, ownSecond, estimate);
                        resident.put(combined, slot);
                        mine.add(slot);
                    }
                    slot.pins++;
                    pinned.add(slot);
                    wanted.put(regionSet, slot);
                }
            }
            closeAll(evicted);
            for (Slot slot : mine) {
                build(slot);
            }
            for (Map.Entry<LoraSet, Slot> e : wanted.entrySet()) {
                leased.put(e.getKey(), await(e.getValue()));
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                pinned.forEach(slot -> slot.pins--);
                for (Slot slot : mine) {
                    if (!slot.variant.isDone()) { // claimed, never built: free the place for a later lease
                        resident.remove(slot.loras, slot);
                        slot.variant.completeExceptionally(e);
                    }
                }
            }
            throw e;
        }
        return new Lease(leased, pinned);
    }

    /** Merges and opens a slot's sessions, outside the lock; a failure empties the slot for a later try. */
    private void build(Slot slot) {
        try {
            beforeBuild.accept(slot.loras);
            slot.variant.complete(open(slot));
            synchronized (this) {
                builds++;
            }
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                resident.remove(slot.loras, slot);
            }
            slot.variant.completeExceptionally(e);
        }
    }

    private static Variant await(Slot slot) {
        try {
            return slot.variant.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // the builder's own error (a bad LoRA file is a LoraException: one message for everyone)
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private Variant open(Slot slot) {
        LoraSet combined = slot.loras;
        long start = System.nanoTime();
        MergedLoras merged = model.baseWeights().merge(combined);
        UNet unet = null;
        TextEncoder first = null;
        try {
            unet = UNet.open(model.sessions(), model.directory().unetModel(), model.clock(), merged.unet());
            first = slot.ownFirst ? openText(merged, false) : model.textEncoder();
            TextEncoder second = slot.ownSecond ? openText(merged, true) : model.textEncoder2();
            merged.release(); // the sessions hold their own copies of the merged weights
            return new Variant(combined, unet, model.promptEncoder().with(first, second), slot.ownFirst,
                    slot.ownSecond, merged, slot.estimate + merged.bytes(), System.nanoTime() - start);
        } catch (RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            if (slot.ownFirst && first != null) {
                first.close();
            }
            merged.release();
            throw e;
        }
    }

    /** A text encoder's session with the merged weights: the first one, or SDXL's second. */
    private TextEncoder openText(MergedLoras merged, boolean second) {
        return StableDiffusionModel.openTextEncoder(model.directory(), model.sessions(), model.clock(), merged, second);
    }

    /**
     * Evicts unpinned built variants, least recently used first, until {@code more} bytes fit the budget; what is
     * evicted is closed by the caller once the lock is released.
     */
    private void makeRoom(long more, int needed, LoraSet next, List<Variant> evicted) {
        var it = resident.values().iterator();
        while (residentBytes() + more > budgetBytes && it.hasNext()) {
            Slot slot = it.next();
            Variant v = slot.variant.getNow(null);
            if (slot.pins == 0 && v != null) {
                it.remove();
                evicted.add(v);
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

    private static void closeAll(List<Variant> variants) {
        variants.forEach(Variant::close);
        if (!variants.isEmpty()) {
            NativeMemory.release(); // the sessions' copies of their merged weights
        }
    }

    private long residentBytes() {
        long n = 0;
        for (Slot slot : resident.values()) {
            n += slot.bytes();
        }
        return n;
    }

    private long unetSessionBytes() {
        if (unetSessionBytes < 0) {
            unetSessionBytes = model.unetBytes();
        }
        return unetSessionBytes;
    }

    private long textSessionBytes(boolean second) {
        int i = second ? 1 : 0;
        if (textSessionBytes[i] < 0) {
            ModelDirectory dir = model.directory();
            textSessionBytes[i] = ModelDirectory.componentBytes(second ? dir.textEncoder2Model()
                    : dir.textEncoderModel());
        }
        return textSessionBytes[i];
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

    /** The resident variants (built ones), least recently used first. */
    public synchronized List<Variant> resident() {
        return resident.values().stream().map(slot -> slot.variant.getNow(null)).filter(v -> v != null).toList();
    }

    /** The budget and what is resident, one line per variant, for {@code --verbose}. */
    public synchronized String describe() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "LoRA sessions: budget %s, %d resident (%s), %d built, %d evicted",
                mib(budgetBytes), resident.size(), mib(residentBytes()), builds, evictions));
        for (Variant v : resident()) {
            lines.add(String.format(Locale.ROOT, "  %s: %s, built in %.2f s%s", v.loras.describe(), mib(v.bytes),
                    v.buildNanos / 1e9, v.ownFirst && v.ownSecond ? ", own text encoders"
                            : v.ownFirst ? ", own text encoder" : v.ownSecond ? ", own second text encoder" : ""));
        }
        return String.join("\n", lines);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Closes the built variants; call when no lease is open and no lease is being made. */
    @Override
    public synchronized void close() {
        closeAll(resident());
        resident.clear();
    }
}
