package dev.troupe.renderer.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.renderer.tokenizer.PromptTokenizers;
import dev.troupe.scene.FileErrors;
import dev.troupe.scene.JsonErrors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Stable Diffusion ONNX export in the diffusers/optimum layout, checked for the files the renderer needs.
 *
 * <pre>
 *   model_index.json                     (optional: names the pipeline and component classes)
 *   text_encoder/model.onnx
 *   unet/model.onnx                      (+ external data such as weights.pb or model.onnx_data)
 *   vae_decoder/model.onnx, vae_decoder/config.json
 *   tokenizer/tokenizer.json             or tokenizer/vocab.json + tokenizer/merges.txt
 *   scheduler/scheduler_config.json
 *   text_encoder_2/model.onnx, tokenizer_2/  (SDXL only: the second text encoder and its tokenizer)
 * </pre>
 */
public final class ModelDirectory {

    public static final String EXPECTED_LAYOUT = String.join("\n",
            "Expected layout (a diffusers/optimum ONNX export of Stable Diffusion):",
            "  model_index.json",
            "  text_encoder/model.onnx",
            "  unet/model.onnx            (+ weights.pb or model.onnx_data when the weights are external)",
            "  vae_decoder/model.onnx",
            "  vae_decoder/config.json    (latent_channels, scaling_factor)",
            "  tokenizer/tokenizer.json   or tokenizer/vocab.json + tokenizer/merges.txt",
            "  scheduler/scheduler_config.json",
            "  text_encoder_2/model.onnx + tokenizer_2/   (SDXL only)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final SchedulerConfig schedulerConfig;
    private final VaeConfig vaeConfig;
    private final JsonNode modelIndex;
    /** SDXL's second text encoder, found by {@link #open}; null for one encoder. */
    private final Path textEncoder2;

    private ModelDirectory(Path root, SchedulerConfig schedulerConfig, VaeConfig vaeConfig, JsonNode modelIndex,
                           Path textEncoder2) {
        this.root = root;
        this.schedulerConfig = schedulerConfig;
        this.vaeConfig = vaeConfig;
        this.modelIndex = modelIndex;
        this.textEncoder2 = textEncoder2;
    }

    /** Checks the folder and reads its configs; throws one {@link ModelException} listing every problem. */
    public static ModelDirectory open(Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new ModelException("model folder " + folder + " does not exist or is not a folder.\n"
                    + "Pass --model DIR with a Stable Diffusion ONNX export.\n" + EXPECTED_LAYOUT);
        }
        List<String> missing = new ArrayList<>();
        for (String file : new String[] {"text_encoder/model.onnx", "unet/model.onnx", "vae_decoder/model.onnx",
                "vae_decoder/config.json", "scheduler/scheduler_config.json"}) {
            if (!Files.isRegularFile(root.resolve(file))) {
                missing.add(file);
            }
        }
        if (!PromptTokenizers.present(root.resolve("tokenizer"))) {
            missing.add("tokenizer/tokenizer.json (or tokenizer/vocab.json + tokenizer/merges.txt)");
        }
        boolean secondEncoder = Files.isRegularFile(root.resolve("text_encoder_2/model.onnx"));
        if (secondEncoder && !PromptTokenizers.present(root.resolve("tokenizer_2"))) {
            missing.add("tokenizer_2/tokenizer.json (or tokenizer_2/vocab.json + tokenizer_2/merges.txt), the "
                    + "tokenizer of text_encoder_2");
        }
        if (!missing.isEmpty()) {
            throw new ModelException(root + " is not a usable Stable Diffusion ONNX model: missing "
                    + String.join(", ", missing) + ".\n" + EXPECTED_LAYOUT);
        }
        SchedulerConfig scheduler = read(root, "scheduler/scheduler_config.json", SchedulerConfig.class);
        VaeConfig vae = read(root, "vae_decoder/config.json", VaeConfig.class);
        if (vae.latentChannels() == null || vae.latentChannels() <= 0) {
            throw new ModelException(root.resolve("vae_decoder/config.json")
                    + " has no positive latent_channels: add the number of latent channels (4 for SD 1.x/2.x).");
        }
        if (vae.scalingFactor() <= 0 || !Double.isFinite(vae.scalingFactor())) {
            throw new ModelException(root.resolve("vae_decoder/config.json") + " has scaling_factor "
                    + vae.scalingFactor() + ": it must be a positive number (0.18215 for SD 1.x/2.x).");
        }
        JsonNode index = Files.isRegularFile(root.resolve("model_index.json"))
                ? read(root, "model_index.json", JsonNode.class) : JSON.createObjectNode();
        return new ModelDirectory(root, scheduler, vae, index,
                secondEncoder ? root.resolve("text_encoder_2/model.onnx") : null);
    }

    private static <T> T read(Path root, String file, Class<T> type) {
        try {
            return JSON.readValue(root.resolve(file).toFile(), type);
        } catch (JsonProcessingException e) {
            throw new ModelException(root.resolve(file) + " is not valid JSON of the expected form: "
                    + JsonErrors.describe(e) + ".\n" + EXPECTED_LAYOUT, e);
        } catch (IOException e) {
            throw new ModelException("cannot read " + root.resolve(file) + ": " + FileErrors.reason(e), e);
        }
    }

    /** A component's JSON config (e.g. "unet/config.json"), or an empty object when the file is absent. */
    public JsonNode optionalConfig(String file) {
        Path path = root.resolve(file);
        return Files.isRegularFile(path) ? read(root, file, JsonNode.class) : JSON.createObjectNode();
    }

    public Path root() {
        return root;
    }

    public Path textEncoderModel() {
        return root.resolve("text_encoder/model.onnx");
    }

    /** SDXL's second text encoder ({@code text_encoder_2/model.onnx}), or null when the model has one encoder. */
    public Path textEncoder2Model() {
        return textEncoder2;
    }

    /** The tokenizer of {@link #textEncoder2Model()}. */
    public Path tokenizer2Folder() {
        return root.resolve("tokenizer_2");
    }

    /** Whether this is an SDXL-layout model: two text encoders. */
    public boolean twoTextEncoders() {
        return textEncoder2Model() != null;
    }

    public Path unetModel() {
        return root.resolve("unet/model.onnx");
    }

    public Path vaeDecoderModel() {
        return root.resolve("vae_decoder/model.onnx");
    }

    public Path tokenizerFolder() {
        return root.resolve("tokenizer");
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    public VaeConfig vaeConfig() {
        return vaeConfig;
    }

    public JsonNode modelIndex() {
        return modelIndex;
    }

    /**
     * The bytes of a component's model file and its external data (every file of its folder but the JSON configs):
     * about what a session of it holds in memory.
     */
    public static long componentBytes(Path modelFile) {
        try (Stream<Path> files = Files.list(modelFile.toAbsolutePath().getParent())) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".json"))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder name, used as the model's name in PNG parameters. */
    public String name() {
        return root.getFileName() == null ? root.toString() : root.getFileName().toString();
    }
}
