package dev.troupe.cli;

import dev.troupe.composer.png.GenerationParameters;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.RenderResult;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code troupe render plan.json -o out.png}: draws a plan with a Stable Diffusion ONNX model. */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = "Render a plan to a PNG (the plan and A1111 parameters are embedded in the file).")
public final class RenderCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PLAN", description = "plan JSON file")
    Path planFile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PNG", description = "output image")
    Path output;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--steps", defaultValue = "20", description = "denoising steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--cfg", defaultValue = "7.5",
            description = "classifier-free guidance scale; <= 1 skips the negative prompt (default: ${DEFAULT-VALUE})")
    double cfg;

    @Option(names = "--sampler", paramLabel = "NAME",
            description = "ddim, euler, euler_a, dpmpp_2m, dpmpp_2m_karras or lcm (default: the model's scheduler)")
    String sampler;

    @Option(names = "--seed", description = "seed (default: the plan's seed)")
    Long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        {
            ScenePlan plan = PlanJson.read(planFile);
            Path modelDir = modelOptions.resolve(plan.model(), planFile);
            if (plan.regions() != null && !plan.regions().isEmpty()) {
                out.println("note: regional rendering is not implemented yet; drawing the background prompt only ("
                        + plan.regions().size() + " regions ignored).");
            }
            try (StableDiffusionModel model = StableDiffusionModel.load(modelDir, modelOptions.sessions())) {
                Sampler chosen = sampler == null ? Sampler.forConfig(model.schedulerConfig()) : Sampler.parse(sampler);
                long usedSeed = seed == null ? plan.seed() : seed;
                RenderRequest request = new RenderRequest(plan.background(), plan.negativePrompt(), plan.width(),
                        plan.height(), steps, cfg, chosen, usedSeed);
                PrintWriter err = spec.commandLine().getErr();
                boolean console = System.console() != null;
                RenderResult result = new Text2ImagePipeline(model).render(request, (step, total) -> {
                    if (console) {
                        err.printf(Locale.ROOT, "\rstep %d/%d", step, total);
                        err.flush();
                    }
                });
                if (console) {
                    err.print("\r");
                    err.flush();
                }
                GenerationParameters parameters = new GenerationParameters(request.prompt(), request.negativePrompt(),
                        steps, chosen.displayName(), cfg, usedSeed, plan.width(), plan.height(), model.hash(),
                        model.directory().name());
                PngWriter.write(output, result.image(), PlanJson.write(plan), parameters.toA1111());
                out.printf(Locale.ROOT, "wrote %s (%dx%d, %d steps %s, cfg %s, seed %d) in %.2f s%n", output,
                        plan.width(), plan.height(), steps, chosen.cliName(), cfg, usedSeed, result.totalNanos() / 1e9);
            }
            return 0;
        }
    }
}
