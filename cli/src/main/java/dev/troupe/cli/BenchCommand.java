package dev.troupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.batch.command.ModelOptions;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.RenderResult;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.onnx.PeakMemory;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.scheduler.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code troupe bench}: times renders of one prompt and splits the time into ONNX Runtime session runs and the
 * loop's own work (noise, scheduler, guidance, copies, tokenising, PNG-free decoding to bytes).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark text-to-image: total, session-run and per-step time, loop overhead, peak memory.")
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--steps", defaultValue = "20", description = "denoising steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--size", paramLabel = "WxH",
            description = "image size (default: unet sample_size x the VAE's pixel factor, else 512x512)")
    String size;

    @Option(names = "--runs", paramLabel = "K", defaultValue = "3", description = "timed runs after one warm-up (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "untimed renders first, so the JIT and ONNX Runtime reach steady state (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--cfg", defaultValue = "7.5", description = "guidance scale (default: ${DEFAULT-VALUE})")
    double cfg;

    @Option(names = "--sampler", paramLabel = "NAME", description = "sampler (default: the model's scheduler)")
    String sampler;

    @Option(names = "--prompt", defaultValue = "a person in a red shirt standing in a park",
            description = "prompt (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--lora", paramLabel = "FILE[:WEIGHT]",
            description = "with --lora-scene: the LoRAs to put on subjects 1 and 3 (one file: at two weights)")
    java.util.List<String> loras = new java.util.ArrayList<>();

    @Option(names = "--lora-scene", description = "benchmark per-region LoRAs: set build time, a 5-subject scene "
            + "with two LoRA sets against none, memory with 3 sets resident")
    boolean loraScene;

    @Option(names = "--generate", paramLabel = "DIR", description = "write SD 1.5-sized models with random weights "
            + "for --suite: DIR/fp32, DIR/fp16 and DIR/int8 (about 3.6, 1.8 and 1.3 GB)")
    Path generate;

    @Option(names = "--suite", paramLabel = "DIR", description = "benchmark the models --generate wrote: per-step "
            + "time with and without guidance and memory for fp32, fp16 and int8, and a 5-subject scene against a "
            + "single-prompt render of the same canvas")
    Path suite;

    @Option(names = "--scene-steps", paramLabel = "N", defaultValue = "10",
            description = "with --suite: steps of the scene renders (default: ${DEFAULT-VALUE})")
    int sceneSteps;

    @Option(names = "--scene-bootstrap", paramLabel = "F[,F...]", split = ",", defaultValue = "0.3",
            description = "with --suite: bootstrap fractions of the 5-subject scenes, each drawn in every run beside "
                    + "the others (default: ${DEFAULT-VALUE}, the command line's)")
    java.util.List<Double> sceneBootstrap;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (generate != null) {
            dev.troupe.cli.bench.GeneratedModel.writeAll(generate, dev.troupe.cli.bench.GeneratedModel.Size.SD15, out);
            return 0;
        }
        if (suite != null) {
            if (runs < 1 || steps < 1 || sceneSteps < 1) {
                throw new dev.troupe.scene.UserInputException("--runs, --steps and --scene-steps must be at least 1");
            }
            if (sceneBootstrap.stream().anyMatch(f -> !(f >= 0 && f <= 1))) {
                throw new dev.troupe.scene.UserInputException("--scene-bootstrap takes fractions between 0 and 1, "
                        + "such as 0.3 or 0.3,0.2");
            }
            dev.troupe.cli.bench.SuiteBench.run(suite, modelOptions.sessions(), steps, sceneSteps, sceneBootstrap,
                    runs, out);
            out.println("peak memory: " + peakMemory());
            out.flush();
            return 0;
        }
        {
            if (runs < 1 || warmup < 0) {
                throw new dev.troupe.scene.UserInputException("--runs must be at least 1 and --warmup at least 0");
            }
            Path folder = modelOptions.resolve(null, null);
            long loadStart = System.nanoTime();
            try (StableDiffusionModel model = StableDiffusionModel.load(folder, modelOptions.sessions())) {
                double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                int[] wh = size(model);
                Sampler chosen = RenderOptions.sampler(sampler, model.schedulerConfig());
                String stepsProblem = RenderOptions.stepsProblem(steps, chosen, model.schedulerConfig());
                if (stepsProblem != null) {
                    throw new dev.troupe.scene.UserInputException("--steps " + stepsProblem);
                }
                if (loraScene) {
                    java.util.List<dev.troupe.renderer.lora.LoraSet.Entry> entries = new java.util.ArrayList<>();
                    for (String spec : loras) {
                        entries.add(RenderOptions.parseLora("--lora", spec));
                    }
                    LoraSceneBench.run(model, entries, steps, cfg, chosen, runs, warmup, out);
                    out.println("peak memory: " + peakMemory());
                    return 0;
                }
                Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
                out.printf(Locale.ROOT, "model %s (%s), provider %s, intra-op threads %s%n", model.directory().root(),
                        model.hash().substring(0, 10), modelOptions.runtime().provider(),
                        modelOptions.runtime().threads() == 0 ? "auto" : Integer.toString(modelOptions.runtime().threads()));
                out.printf(Locale.ROOT, "%dx%d, %d steps, %s, cfg %s (UNet batch %d); load %.2f s%n", wh[0], wh[1],
                        steps, chosen.cliName(), cfg, cfg > 1 ? 2 : 1, loadSeconds);
                for (int i = 0; i < warmup; i++) {
                    RenderResult warm = pipeline.render(request(wh, chosen, -1 - i));
                    out.printf(Locale.ROOT, "warm-up %d: %.3f s%n", i + 1, warm.totalNanos() / 1e9);
                }
                long total = 0;
                long session = 0;
                for (int r = 1; r <= runs; r++) {
                    RenderResult result = pipeline.render(request(wh, chosen, r));
                    total += result.totalNanos();
                    session += result.sessionNanos();
                    out.printf(Locale.ROOT, "run %d: total %.3f s, session runs %.3f s, loop overhead %.2f %%%n", r,
                            result.totalNanos() / 1e9, result.sessionNanos() / 1e9, 100 * result.overheadFraction());
                    out.flush();
                }
                double meanTotal = total / 1e9 / runs;
                double meanSession = session / 1e9 / runs;
                out.printf(Locale.ROOT, "mean: total %.3f s, in session runs %.3f s, per step %.1f ms, "
                                + "loop overhead %.2f %% (total minus session time)%n", meanTotal, meanSession,
                        1000 * meanTotal / steps, 100 * (meanTotal - meanSession) / meanTotal);
                out.println("peak memory: " + peakMemory());
            }
            out.flush();
            return 0;
        }
    }

    private RenderRequest request(int[] wh, Sampler chosen, long seed) {
        return new RenderRequest(prompt, "", wh[0], wh[1], steps, cfg, chosen, seed);
    }

    private int[] size(StableDiffusionModel model) {
        if (size != null) {
            String[] parts = size.toLowerCase(Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    return new int[] {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
                }
            } catch (NumberFormatException e) {
                // fall through to the message
            }
            throw new dev.troupe.scene.UserInputException("--size must look like 512x512, not \"" + size + "\"");
        }
        JsonNode unet = model.directory().optionalConfig("unet/config.json");
        int side = unet.has("sample_size") ? unet.get("sample_size").asInt() * model.vaeDecoder().pixelFactor() : 512;
        return new int[] {side, side};
    }

    /** Peak resident set (VmHWM, covers ONNX Runtime's native memory) where Linux reports it, and peak Java heap. */
    private static String peakMemory() {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        String rss = PeakMemory.mib(PeakMemory.residentBytes());
        return String.format(Locale.ROOT, "process RSS %s (VmHWM), Java heap %.1f MiB (sum of pool peaks)", rss,
                heap / 1048576.0);
    }
}
