package dev.troupe.cli;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.renderer.PromptEncoder;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.TextEncoder;
import dev.troupe.renderer.model.ModelDefaults;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.onnx.Tensors;
import dev.troupe.renderer.scheduler.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code troupe models info DIR}: what a model folder holds and how the renderer reads it. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Inspect model folders.",
        subcommands = ModelsCommand.Info.class)
public final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Print components, tensor names, dtypes and shapes, file sizes and hashes, scheduler config.")
    public static final class Info implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "model folder")
        Path folder;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            {
                try (StableDiffusionModel model = StableDiffusionModel.load(folder, new SessionFactory(ExecutionProvider.CPU, 1))) {
                    print(model, out);
                }
                return 0;
            }
        }

        private static void print(StableDiffusionModel model, PrintWriter out) throws IOException, OrtException {
            JsonNode index = model.directory().modelIndex();
            out.println("model:     " + model.directory().root());
            out.println("pipeline:  " + index.path("_class_name").asText("(no model_index.json)")
                    + (index.has("_diffusers_version") ? " (diffusers " + index.get("_diffusers_version").asText() + ")" : ""));
            out.println("hash:      sha256:" + model.hash());
            PromptEncoder prompts = model.promptEncoder();
            out.println("kind:      " + (prompts.second() == null ? "Stable Diffusion 1.x / 2.x (one text encoder)"
                    : String.format(Locale.ROOT, "SDXL (two text encoders, states %d + %d = %d wide, pooled "
                    + "text_embeds %d; UNet added conditions text_embeds and time_ids; refiner not supported)",
                    prompts.first().hiddenSize(), prompts.second().hiddenSize(), prompts.hiddenSize(),
                    prompts.pooledSize())));
            ModelDefaults defaults = ModelDefaults.of(model.directory());
            out.printf(Locale.ROOT, "defaults:  %d steps, cfg %s (from %s)%n", defaults.steps(), defaults.guidance(),
                    defaults.source());
            out.println();
            encoder(out, model, "text_encoder", "tokenizer", prompts.first());
            if (prompts.second() != null) {
                encoder(out, model, "text_encoder_2", "tokenizer_2", prompts.second());
                out.println("  an empty negative prompt is " + (prompts.zerosForEmptyNegative()
                        ? "zeros (force_zeros_for_empty_prompt)" : "encoded (force_zeros_for_empty_prompt false)"));
            }
            component(out, model, "unet", model.unet().session());
            component(out, model, "vae_decoder", model.vaeDecoder().session());
            out.printf(Locale.ROOT, "  latent channels %d, scaling factor %s, pixels per latent pixel %d (%s)%n",
                    model.vaeDecoder().latentChannels(), model.vaeDecoder().scalingFactor(),
                    model.vaeDecoder().pixelFactor(),
                    model.directory().vaeConfig().upscaleFactor() != null ? "upscale_factor in config.json"
                            : "measured by decoding an 8x8 latent");
            SchedulerConfig s = model.schedulerConfig();
            out.println("scheduler:");
            out.printf(Locale.ROOT, "  %s: T=%d, %s betas %s..%s, prediction %s, spacing %s, steps_offset %d%s%n",
                    s.className(), s.numTrainTimesteps(), s.betaSchedule(), s.betaStart(), s.betaEnd(),
                    s.predictionType(), s.timestepSpacing(), s.stepsOffset(),
                    s.rescaleBetasZeroSnr() ? ", zero terminal SNR" : "");
            Sampler.Choice choice = Sampler.choose(null, s);
            out.println("  default sampler: " + choice.sampler().cliName() + " (choose with --sampler: "
                    + Sampler.names() + ")");
            for (String note : choice.notes()) {
                out.println("  note: " + note);
            }
            out.flush();
        }

        private static void encoder(PrintWriter out, StableDiffusionModel model, String name, String tokenizer,
                                    TextEncoder text) throws IOException, OrtException {
            component(out, model, name, text.session());
            out.printf(Locale.ROOT, "  tokenizer: %s; sequence length %d; hidden size %d; states from %s%s%n",
                    text.tokenizer().description(), text.length(), text.hiddenSize(), text.statesOutput(),
                    text.pooledSize() > 0 ? "; pooled text_embeds " + text.pooledSize() : "");
            files(out, model.directory().root(), tokenizer);
        }

        private static void component(PrintWriter out, StableDiffusionModel model, String name, OrtSession session)
                throws IOException, OrtException {
            out.println(name + ":");
            for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                out.println("  input  " + in.getKey() + " " + describe(in.getValue()));
            }
            for (Map.Entry<String, NodeInfo> o : session.getOutputInfo().entrySet()) {
                out.println("  output " + o.getKey() + " " + describe(o.getValue()));
            }
            files(out, model.directory().root(), name);
        }

        private static String describe(NodeInfo info) {
            return info.getInfo() instanceof TensorInfo t ? Tensors.describe(t) : info.getInfo().toString();
        }

        private static void files(PrintWriter out, Path root, String component) throws IOException {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(root.resolve(component))) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path file : files) {
                out.printf(Locale.ROOT, "  file   %-36s %10s  sha256:%s%n", root.relativize(file), size(Files.size(file)),
                        sha256(file).substring(0, 16));
            }
        }

        private static String size(long bytes) {
            if (bytes < 1024) {
                return bytes + " B";
            }
            String[] units = {"KiB", "MiB", "GiB"};
            double v = bytes;
            int u = -1;
            while (v >= 1024 && u < units.length - 1) {
                v /= 1024;
                u++;
            }
            return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
        }

        private static String sha256(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] chunk = new byte[1 << 20];
                for (int n; (n = in.read(chunk)) > 0; ) {
                    digest.update(chunk, 0, n);
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }
}
