package dev.troupe.cli.bench;

import dev.troupe.composer.RegionalRenderer;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.onnx.PeakMemory;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.onnx.FloatTensorBuffer;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code troupe bench --suite DIR}: on the generated models of {@link GeneratedModel} ({@code DIR/fp32},
 * {@code fp16}, {@code int8}), in one run: the time of one step at the native size with guidance (a UNet batch of 2)
 * and without (cfg 1: the positive prompt alone), the process's memory with each model loaded, the cost of the
 * float16 conversions at the session boundary, and a 5-subject joint scene against a single-prompt render of the
 * same canvas, with the background trimmed to what the regions leave uncovered and over every tile as before.
 */
public final class SuiteBench {
    private SuiteBench() {
    }

    /** @param bootstraps the scenes' bootstrap fractions, each drawn in every run (the first also over every tile) */
    public static void run(Path root, SessionFactory sessions, int steps, int sceneSteps, List<Double> bootstraps,
                           int runs, PrintWriter out) throws IOException {
        if (steps < 2) {
            throw new UserInputException("--suite needs --steps 2 or more: a step's time is read between the loop's "
                    + "steps, after the first");
        }
        out.printf(Locale.ROOT, "suite on %s: a step is the median time from one step's end to the next's over steps 2 "
                + "to %d of %d renders, DDIM, %dx%d%n", root, steps, runs, GeneratedModel.SAMPLE_SIZE * 8,
                GeneratedModel.SAMPLE_SIZE * 8);
        out.printf(Locale.ROOT, "| model | load s | RSS loaded MiB | peak RSS MiB | step, cfg 7.5 (batch 2) | "
                + "step, cfg 1 (batch 1) | fp16 I/O conversion per step |%n| --- | --- | --- | --- | --- | --- | --- |%n");
        boolean any = false;
        for (String variant : List.of("fp32", "fp16", "int8")) {
            Path dir = root.resolve(variant);
            if (!Files.isDirectory(dir)) {
                out.printf("| %s | (no %s) |%n", variant, dir);
                continue;
            }
            any = true;
            PeakMemory.resetPeak();
            long before = PeakMemory.currentBytes() / 1024;
            long start = System.nanoTime();
            try (StableDiffusionModel model = StableDiffusionModel.load(dir, sessions)) {
                double load = (System.nanoTime() - start) / 1e9;
                long loaded = PeakMemory.currentBytes() / 1024 - before;
                int side = model.unetSampleSize() * model.vaeDecoder().pixelFactor();
                Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
                pipeline.render(request(side, 1, 7.5, 0)); // warm-up: JIT, ONNX Runtime's first-run allocations
                double[] perStep = perStep(pipeline, side, steps, runs);
                double guided = perStep[0], unguided = perStep[1];
                double convert = model.unet().isHalf() ? conversionMillis(sessions, model.unetSampleSize()) : 0;
                String conversion = model.unet().isHalf()
                        ? String.format(Locale.ROOT, "%.2f ms (%.3f %% of the step)", convert, 100 * convert / (1000 * guided))
                        : "none (float32 I/O)";
                out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %.0f | %.3f s | %.3f s (%.2fx) | %s |%n", variant, load,
                        (loaded) / 1024.0, (PeakMemory.residentBytes() / 1024 - before) / 1024.0, guided, unguided,
                        guided / unguided, conversion);
                out.flush();
            }
        }
        if (!any) {
            throw new UserInputException("--suite " + root + " holds none of fp32/, fp16/, int8/: write them first "
                    + "with troupe bench --generate " + root);
        }
        Path fp32 = root.resolve("fp32");
        if (Files.isDirectory(fp32)) {
            try (StableDiffusionModel model = StableDiffusionModel.load(fp32, sessions)) {
                regional(model, sceneSteps, bootstraps, runs, out);
            }
        }
        out.flush();
    }

    private static RenderRequest request(int side, int steps, double cfg, long seed) {
        return new RenderRequest("a person in a red shirt standing in a park", "", side, side, steps, cfg,
                Sampler.DDIM, seed);
    }

    /**
     * One denoising step with guidance and without: {@code runs} renders of {@code steps} steps each, interleaved so
     * that the machine's load hits both alike; a step's time is read between the loop's step callbacks, so encoding
     * the prompt, decoding the image and the first step's one-off work stay out (subtracting a 1-step render's total
     * from a longer one's, as before, turned the machine's noise into figures such as an unguided step dearer than
     * a guided one). Returns the median step {guided, unguided} in seconds.
     */
    private static double[] perStep(Text2ImagePipeline pipeline, int side, int steps, int runs) {
        List<Double> guided = new ArrayList<>(), unguided = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            guided.addAll(stepTimes(pipeline, side, steps, 7.5, r));
            unguided.addAll(stepTimes(pipeline, side, steps, 1.0, r));
        }
        return new double[] {median(guided.stream().mapToDouble(Double::doubleValue).toArray()),
                median(unguided.stream().mapToDouble(Double::doubleValue).toArray())};
    }

    /** Seconds of steps 2 .. {@code steps} of one render: from each step's end to the next's. */
    private static List<Double> stepTimes(Text2ImagePipeline pipeline, int side, int steps, double cfg, int run) {
        List<Double> times = new ArrayList<>();
        long[] last = {0};
        pipeline.render(request(side, steps, cfg, run + 1), (step, total) -> {
            long now = System.nanoTime();
            if (last[0] != 0) {
                times.add((now - last[0]) / 1e9);
            }
            last[0] = now;
        });
        return times;
    }

    /** The median of the runs' figures: what the benchmarks report on a machine whose load varies. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * One step's float16 conversions at the UNet's boundary, for a guided batch at the native size: the sample
     * written ([2, 4, s, s] floats to halves) and out_sample read back; encoder_hidden_states are written once per
     * render, not per step.
     */
    private static double conversionMillis(SessionFactory sessions, int sampleSize) {
        long[] shape = {2, 4, sampleSize, sampleSize};
        float[] values = new float[2 * 4 * sampleSize * sampleSize];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        try (FloatTensorBuffer buffer = new FloatTensorBuffer(sessions.environment(), shape, true)) {
            int rounds = 2000;
            for (int i = 0; i < rounds; i++) { // warm-up
                buffer.write(values, 0);
                buffer.read(values, 0);
            }
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                buffer.write(values, 0);
                buffer.read(values, 0);
            }
            return (System.nanoTime() - start) / 1e6 / rounds;
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A 5-subject scene on a canvas 3 native sides wide, against the same canvas with no regions: the planner's
     * layout for "a team of 5 people in a park" (sd15 profile, seed 1), and 5 boxes side by side over the whole
     * canvas.
     */
    private static void regional(StableDiffusionModel model, int steps, List<Double> bootstraps, int runs,
                                 PrintWriter out) {
        int side = model.unetSampleSize() * model.vaeDecoder().pixelFactor();
        ScenePlan planned = PlanBuilder.standard().build("a team of 5 people in a park", PlanOptions.seeded(1)
                .withProfile("sd15").withSize(new int[] {3 * side, side})).plan();
        regional(model, planned, "planned layout", steps, bootstraps, runs, out);
        regional(model, plan(side, 5), "boxes side by side over the canvas", steps, bootstraps, runs, out);
    }

    private static void regional(StableDiffusionModel model, ScenePlan scene, String what, int steps,
                                 List<Double> bootstraps, int runs, PrintWriter out) {
        ScenePlan single = scene.withRegions(List.of());
        RegionalRenderer renderer = new RegionalRenderer(model);
        // the command line's defaults but the bootstrap: margin half the box's shorter side, background weight 0.05
        List<RegionalRenderer.Settings> trimmed = new ArrayList<>();
        for (double bootstrap : bootstraps) {
            trimmed.add(new RegionalRenderer.Settings(steps, 7.5, Sampler.DDIM, RegionalRenderer.Mode.JOINT, -1, 0.05,
                    bootstrap, RegionalRenderer.Blend.LAPLACIAN, 0));
        }
        RegionalRenderer.Settings full = trimmed.get(0).withTrimBackground(false);
        out.printf(Locale.ROOT, "regional, %s: %dx%d, 5 subjects (boxes %dx%d), %d steps, DDIM, cfg 7.5, "
                        + "joint mode, bootstrap %s, background weight 0.05%n", what, scene.width(), scene.height(),
                scene.regions().get(0).box().w(), scene.regions().get(0).box().h(), steps, fractions(bootstraps));
        int n = trimmed.size();
        long singleNanos = 0, fullNanos = 0;
        long[] trimmedNanos = new long[n];
        double[][] trimmedRatio = new double[n][runs];
        double[] fullRatio = new double[runs];
        RegionalRenderer.Result s = null, f = null;
        RegionalRenderer.Result[] t = new RegionalRenderer.Result[n];
        for (int r = 0; r < runs; r++) {
            // interleaved, so that drift in the machine's load hits them all alike
            s = renderer.render(single, trimmed.get(0), (p, a, b) -> { });
            StringBuilder scenes = new StringBuilder();
            for (int k = 0; k < n; k++) {
                t[k] = renderer.render(scene, trimmed.get(k), (p, a, b) -> { });
                trimmedNanos[k] += t[k].nanos();
                trimmedRatio[k][r] = t[k].nanos() / (double) s.nanos();
                scenes.append(k > 0 ? ", " : "").append(n == 1 ? "" : "bootstrap " + fraction(bootstraps.get(k)) + ": ")
                        .append(String.format(Locale.ROOT, "%.1f s", t[k].nanos() / 1e9));
            }
            f = renderer.render(scene, full, (p, a, b) -> { });
            singleNanos += s.nanos();
            fullNanos += f.nanos();
            fullRatio[r] = f.nanos() / (double) s.nanos();
            out.printf(Locale.ROOT, "run %d: single prompt %.1f s, 5 subjects %s (background over every tile: "
                    + "%.1f s)%n", r + 1, s.nanos() / 1e9, scenes, f.nanos() / 1e9);
            out.flush();
        }
        for (int k = 0; k < n; k++) {
            out.printf(Locale.ROOT, "regional / single prompt%s: %.2fx with the background trimmed (median of the "
                            + "runs' ratios %.2fx; UNet latent pixels %.2fx)%s; target <= 1.4x%n",
                    n == 1 ? "" : ", bootstrap " + fraction(bootstraps.get(k)),
                    trimmedNanos[k] / (double) singleNanos, median(trimmedRatio[k]),
                    t[k].unetWork() / (double) s.unetWork(), k > 0 ? "" : String.format(Locale.ROOT,
                            ", %.2fx over every tile as before (median %.2fx; %.2fx)", fullNanos / (double) singleNanos,
                            median(fullRatio), f.unetWork() / (double) s.unetWork()));
        }
    }

    private static String fraction(double f) {
        return new java.math.BigDecimal(Double.toString(f)).stripTrailingZeros().toPlainString();
    }

    private static String fractions(List<Double> fs) {
        return String.join(", ", fs.stream().map(SuiteBench::fraction).toList());
    }

    private static ScenePlan plan(int side, int subjects) {
        int width = 3 * side;
        int boxWidth = width / 5 / 8 * 8;
        int left = (width - subjects * boxWidth) / 2;
        List<Region> regions = new ArrayList<>();
        String[] colours = {"red", "blue", "green", "yellow", "white"};
        for (int i = 0; i < subjects; i++) {
            regions.add(new Region("s" + (i + 1), new Box(left + i * boxWidth, 0, boxWidth, side),
                    "a person in a " + colours[i] + " shirt", "", 1000 + i, 1.0, Map.of(), List.of()));
        }
        return new ScenePlan(1, null, width, side, "a group standing in a park", "", 7, "generated", "sd15", "row",
                regions);
    }
}
