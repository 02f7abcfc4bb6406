package dev.troupe.cli;

import dev.troupe.cli.bench.SuiteBench;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.onnx.PeakMemory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.Box;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code troupe bench --lora-scene --lora A [--lora B]}: what per-region LoRAs cost. Measures the time to build a
 * LoRA set's sessions, a 5-subject joint scene with different LoRA sets on subjects 1 and 3 against the same scene
 * without LoRAs (sessions warm), and the process's memory with 3 LoRA sets resident.
 */
final class LoraSceneBench {
    private LoraSceneBench() {
    }

    static void run(StableDiffusionModel model, List<LoraSet.Entry> loras, int steps, double cfg, Sampler sampler,
                    int runs, int warmup, PrintWriter out) {
        if (loras.isEmpty()) {
            throw new UserInputException("--lora-scene needs at least one --lora FILE[:WEIGHT]");
        }
        // two different sets for the two subjects: two files, or one file at two weights; a third for memory
        LoraSet.Entry a = loras.get(0);
        LoraSet.Entry b = loras.size() > 1 ? loras.get(1) : new LoraSet.Entry(a.file(), a.multiplier() * 0.6);
        LoraSet.Entry c = loras.size() > 2 ? loras.get(2) : new LoraSet.Entry(a.file(), a.multiplier() * 0.3);
        int side = model.unetSampleSize() * model.vaeDecoder().pixelFactor();
        ScenePlan plain = plan(side, null, null);
        ScenePlan withLoras = plan(side, a, b);
        RegionalRenderer.Settings settings = new RegionalRenderer.Settings(steps, cfg, sampler,
                RegionalRenderer.Mode.JOINT, -1, 0.2, 0.3, RegionalRenderer.Blend.LAPLACIAN, 0);
        out.printf(Locale.ROOT, "LoRA scene: %dx%d, 5 subjects, %d steps, cfg %s; subject 1: %s, subject 3: %s%n",
                plain.width(), plain.height(), steps, cfg, LoraSet.of(a.file(), a.multiplier()).describe(),
                LoraSet.of(b.file(), b.multiplier()).describe());
        out.printf(Locale.ROOT, "RSS before LoRA sessions: %s%n", rss("VmRSS"));
        try (LoraSessions sessions = new LoraSessions(model, LoraSessions.DEFAULT_BUDGET_BYTES)) {
            RegionalRenderer renderer = new RegionalRenderer(model, sessions, Path.of(""));
            long buildStart = System.nanoTime();
            try (LoraSessions.Lease lease = sessions.lease(List.of(LoraSet.of(a.file(), a.multiplier())))) {
                out.printf(Locale.ROOT, "build one LoRA set's sessions (merge + ONNX session): %.3f s (lease %.3f s)%n",
                        lease.get(LoraSet.of(a.file(), a.multiplier())).buildNanos() / 1e9,
                        (System.nanoTime() - buildStart) / 1e9);
            }
            for (int i = 0; i < warmup; i++) {
                renderer.render(plain, settings, (p, s, n) -> { });
                renderer.render(withLoras, settings, (p, s, n) -> { });
            }
            long plainNanos = 0;
            long loraNanos = 0;
            int batchesPlain = 0;
            int batchesLora = 0;
            double[] plainRuns = new double[runs];
            double[] loraRuns = new double[runs];
            for (int r = 1; r <= runs; r++) {
                // interleaved, so that drift in the machine's load hits both alike
                RegionalRenderer.Result p = renderer.render(plain, settings, (x, s, n) -> { });
                RegionalRenderer.Result l = renderer.render(withLoras, settings, (x, s, n) -> { });
                plainRuns[r - 1] = p.nanos() / 1e9;
                loraRuns[r - 1] = l.nanos() / 1e9;
                plainNanos += p.nanos();
                loraNanos += l.nanos();
                batchesPlain = p.unetBatchesPerStep();
                batchesLora = l.unetBatchesPerStep();
                out.printf(Locale.ROOT, "run %d: without LoRAs %.3f s, with 2 LoRA sets %.3f s%n", r, p.nanos() / 1e9,
                        l.nanos() / 1e9);
                out.flush();
            }
            out.printf(Locale.ROOT, "mean: without %.3f s (%d UNet batches/step), with %.3f s (%d batches/step): "
                            + "%.2fx (goal < 1.3x)%n", plainNanos / 1e9 / runs, batchesPlain, loraNanos / 1e9 / runs,
                    batchesLora, loraNanos / (double) plainNanos);
            double without = SuiteBench.median(plainRuns), with = SuiteBench.median(loraRuns);
            out.printf(Locale.ROOT, "median: without %.3f s, with %.3f s: %.2fx (the machine's load varies: trust "
                    + "the median)%n", without, with, with / without);
            try (LoraSessions.Lease three = sessions.lease(List.of(LoraSet.of(a.file(), a.multiplier()),
                    LoraSet.of(b.file(), b.multiplier()), LoraSet.of(c.file(), c.multiplier())))) {
                renderer.render(plan(side, a, c), settings, (p, s, n) -> { });
                out.printf(Locale.ROOT, "3 LoRA sets resident: RSS %s, peak RSS %s%n", rss("VmRSS"), rss("VmHWM"));
                out.println(sessions.describe());
            }
        }
        out.flush();
    }

    /** 5 subjects side by side on a 2.5 x native-width canvas; subjects 1 and 3 carry LoRAs when given. */
    private static ScenePlan plan(int side, LoraSet.Entry first, LoraSet.Entry third) {
        int width = side * 5 / 2 / 8 * 8;
        int boxWidth = width / 5;
        List<Region> regions = new ArrayList<>();
        String[] prompts = {"a person in a red shirt", "a person in a blue shirt", "a person in a green shirt",
                "a person in a yellow shirt", "a person in a white shirt"};
        for (int i = 0; i < 5; i++) {
            LoraSet.Entry lora = i == 0 ? first : i == 2 ? third : null;
            List<LoraRef> refs = lora == null ? List.of()
                    : List.of(new LoraRef(lora.file().toAbsolutePath().toString(), lora.multiplier()));
            regions.add(new Region("s" + (i + 1), new Box(i * boxWidth, 0, boxWidth, side), prompts[i], "",
                    1000 + i, 1.0, Map.of(), refs));
        }
        return new ScenePlan(1, null, width, side, "a group standing in a park", "", 7, "embedded", "sd15", "row",
                regions);
    }

    private static String rss(String field) {
        return PeakMemory.mib(PeakMemory.status(field));
    }
}
