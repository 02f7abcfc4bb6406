package dev.troupe.renderer;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.renderer.lora.BaseModelWeights;
import dev.troupe.renderer.lora.LoraReport;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.lora.MergedLoras;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.model.ModelException;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.model.UNetMemory;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.NativeMemory;
import dev.troupe.renderer.onnx.RunClock;
import dev.troupe.renderer.onnx.SessionFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A Stable Diffusion ONNX export, loaded once: configs, tokenizer and the three sessions (four for SDXL, whose second
 * text encoder has its own), on one provider with one thread setting. Renders reuse it; close it to free the sessions.
 *
 * <p>SDXL is recognised by its layout ({@code text_encoder_2/}): both encoders then give their penultimate layer's
 * states, combined by {@link PromptEncoder}, and an empty negative prompt is zeros unless {@code model_index.json}
 * says {@code "force_zeros_for_empty_prompt": false} (diffusers' StableDiffusionXLPipeline default is true).
 */
public final class StableDiffusionModel implements AutoCloseable {

    private final ModelDirectory directory;
    private final SessionFactory sessions;
    private final RunClock clock;
    private final TextEncoder textEncoder;
    private final TextEncoder textEncoder2;
    private final PromptEncoder promptEncoder;
    private final UNet unet;
    private final VaeDecoder vaeDecoder;
    private final int unetDownsampling;
    private final int unetSampleSize;
    private final UNetMemory unetMemory;
    private volatile long memoryLimit;
    private final BaseModelWeights baseWeights;
    private final LoraSet loras;
    private final MergedLoras merged;
    private String hash;
    private long unetBytes = -1;

    private StableDiffusionModel(ModelDirectory directory, SessionFactory sessions, RunClock clock,
                                 PromptEncoder promptEncoder, UNet unet, VaeDecoder vaeDecoder,
                                 BaseModelWeights baseWeights, LoraSet loras, MergedLoras merged) {
        this.baseWeights = baseWeights;
        this.loras = loras;
        this.merged = merged;
        this.directory = directory;
        this.sessions = sessions;
        this.clock = clock;
        this.promptEncoder = promptEncoder;
        this.textEncoder = promptEncoder.first();
        this.textEncoder2 = promptEncoder.second();
        this.unet = unet;
        this.vaeDecoder = vaeDecoder;
        JsonNode unetConfig = directory.optionalConfig("unet/config.json");
        this.unetDownsampling = unetDownsampling(unetConfig);
        this.unetSampleSize = unetConfig.path("sample_size").asInt(64);
        this.unetMemory = UNetMemory.of(unetConfig);
    }

    /**
     * How many times the UNet halves its input: every latent it sees must be a multiple of this
     * ({@code 2^(len(block_out_channels) - 1)} from unet/config.json; 8 when the config does not say).
     */
    public int unetDownsampling() {
        return unetDownsampling;
    }

    /** {@code 2^(len(block_out_channels) - 1)} from a UNet config; 8 when it does not say. */
    public static int unetDownsampling(JsonNode unetConfig) {
        int levels = unetConfig.path("block_out_channels").size();
        // each level but the last halves the latent (SD: 4 levels, so 8)
        return levels > 1 ? 1 << (levels - 1) : 8;
    }

    /** The latent size the UNet was trained at (unet/config.json {@code sample_size}; 64 as for SD 1.5). */
    public int unetSampleSize() {
        return unetSampleSize;
    }

    /** The UNet's files (graph and external weights) in bytes: about what one UNet session holds. */
    public synchronized long unetBytes() {
        if (unetBytes < 0) {
            unetBytes = ModelDirectory.componentBytes(directory.unetModel());
        }
        return unetBytes;
    }

    /** The UNet's working memory per sample, from unet/config.json. */
    public UNetMemory unetMemory() {
        return unetMemory;
    }

    /**
     * How many UNet samples to run in one batch for crops of {@code latentPixels} (h * w) when the user does not say:
     * half the memory available now (within {@link #limitMemory}) over one sample's working memory
     * ({@link UNetMemory#maxBatch}); on the CPU provider also no more than runs fastest there
     * ({@link UNetMemory#maxCpuBatch}). The image is the same whatever the cap.
     */
    public int defaultMaxBatch(int latentPixels) {
        long available = AvailableMemory.bytes();
        long limit = memoryLimit;
        if (limit > 0) {
            available = Math.min(available, Math.max(0, limit - unetBytes()));
        }
        return sessions.provider() == ExecutionProvider.CPU ? unetMemory.maxCpuBatch(available, latentPixels)
                : unetMemory.maxBatch(available, latentPixels);
    }

    /**
     * Sizes default batches as if the process could take at most {@code bytes} in all ({@code --memory-limit}),
     * less the UNet's weights; 0: no limit but what the machine has available.
     */
    public void limitMemory(long bytes) {
        this.memoryLimit = bytes;
    }

    public static StableDiffusionModel load(Path folder, SessionFactory sessions) {
        return load(folder, sessions, options -> { }, options -> { });
    }

    /**
     * Loads the model with {@code loras} merged into its UNet (and text encoder, when the set has text-encoder
     * keys): the LoRAs apply to everything drawn with it, at no cost per step.
     *
     * @throws dev.troupe.renderer.lora.LoraException for a bad LoRA file or one that does not fit the model
     */
    public static StableDiffusionModel load(Path folder, SessionFactory sessions, LoraSet loras) {
        if (loras.isEmpty()) {
            return load(folder, sessions);
        }
        ModelDirectory directory = ModelDirectory.open(folder);
        BaseModelWeights base = baseWeights(directory);
        MergedLoras merged = base.merge(loras.canonical());
        try {
            return load(directory, sessions, base, loras.canonical(), merged,
                    (file, clock) -> UNet.open(sessions, file, clock, merged.unet()),
                    (clock, second) -> openTextEncoder(directory, sessions, clock, merged, second));
        } finally {
            merged.release(); // the sessions hold their own copies of the merged weights
        }
    }

    /**
     * @param textEncoderOptions applied to the text encoder's session options (e.g. LoRA weight overrides)
     * @param unetOptions        applied to the UNet's session options
     */
    public static StableDiffusionModel load(Path folder, SessionFactory sessions,
                                            Consumer<OrtSession.SessionOptions> textEncoderOptions,
                                            Consumer<OrtSession.SessionOptions> unetOptions) {
        ModelDirectory directory = ModelDirectory.open(folder);
        return load(directory, sessions, baseWeights(directory), new LoraSet(List.of()), null,
                (file, clock) -> UNet.open(sessions, file, clock, unetOptions),
                (clock, second) -> TextEncoder.open(sessions, textEncoderModel(directory, second),
                        tokenizerFolder(directory, second), textLength(directory, second), clock,
                        second ? options -> { } : textEncoderOptions, statesOf(directory, second)));
    }

    /**
     * A text encoder's session with a LoRA set's merged weights for it (none: the model's own): the first one, or
     * SDXL's second; its file, tokenizer, length and output layer as the model folder says.
     */
    public static TextEncoder openTextEncoder(ModelDirectory directory, SessionFactory sessions, RunClock clock,
                                              MergedLoras merged, boolean second) {
        return TextEncoder.open(sessions, textEncoderModel(directory, second), tokenizerFolder(directory, second),
                textLength(directory, second), clock, second ? merged.textEncoder2() : merged.textEncoder(),
                statesOf(directory, second));
    }

    private static Path textEncoderModel(ModelDirectory directory, boolean second) {
        return second ? directory.textEncoder2Model() : directory.textEncoderModel();
    }

    private static Path tokenizerFolder(ModelDirectory directory, boolean second) {
        return second ? directory.tokenizer2Folder() : directory.tokenizerFolder();
    }

    /** What LoRAs merge into: the UNet and the text encoder, and SDXL's second text encoder when there is one. */
    private static BaseModelWeights baseWeights(ModelDirectory directory) {
        return new BaseModelWeights(directory.unetModel(), directory.textEncoderModel(),
                directory.twoTextEncoders() ? directory.textEncoder2Model() : null);
    }

    private interface UNetOpener {
        UNet open(Path file, RunClock clock);
    }

    private interface TextEncoderOpener {
        /** @param second SDXL's second text encoder ({@code text_encoder_2}) rather than the first */
        TextEncoder open(RunClock clock, boolean second);
    }

    private static StableDiffusionModel load(ModelDirectory directory, SessionFactory sessions, BaseModelWeights base,
                                             LoraSet loras, MergedLoras merged, UNetOpener unetOpener,
                                             TextEncoderOpener textOpener) {
        RunClock clock = new RunClock();
        TextEncoder text = null;
        TextEncoder text2 = null;
        UNet unet = null;
        try {
            text = textOpener.open(clock, false);
            if (directory.twoTextEncoders()) {
                text2 = textOpener.open(clock, true);
            }
            PromptEncoder prompts = new PromptEncoder(text, text2, zerosForEmptyNegative(directory));
            unet = unetOpener.open(directory.unetModel(), clock);
            VaeDecoder vae = VaeDecoder.open(sessions, directory.vaeDecoderModel(), directory.vaeConfig(), clock);
            try {
                checkGeometry(directory, prompts, unet, vae);
            } catch (RuntimeException e) {
                vae.close();
                throw e;
            }
            StableDiffusionModel model = new StableDiffusionModel(directory, sessions, clock, prompts, unet, vae, base,
                    loras, merged);
            NativeMemory.release(); // what ONNX Runtime read the graphs and weights through
            return model;
        } catch (RuntimeException e) {
            if (unet != null) {
                unet.close();
            }
            if (text2 != null) {
                text2.close();
            }
            if (text != null) {
                text.close();
            }
            throw e;
        }
    }

    /** Tokens a text encoder takes when its tokenizer does not say: its config's, else CLIP's 77. */
    public static int textLength(ModelDirectory directory, boolean second) {
        return directory.optionalConfig(second ? "text_encoder_2/config.json" : "text_encoder/config.json")
                .path("max_position_embeddings").asInt(77);
    }

    /** The layer the first or (SDXL) the second text encoder's states come from. */
    private static TextEncoder.States statesOf(ModelDirectory directory, boolean second) {
        return second ? TextEncoder.States.PENULTIMATE : statesOf(directory);
    }

    /** The layer a prompt's states come from: the penultimate for SDXL (two encoders), the last otherwise. */
    public static TextEncoder.States statesOf(ModelDirectory directory) {
        return directory.twoTextEncoders() ? TextEncoder.States.PENULTIMATE : TextEncoder.States.LAST;
    }

    /**
     * Whether an empty negative prompt is zeros rather than the encoding of "": {@code force_zeros_for_empty_prompt}
     * from model_index.json, by default true for SDXL (as diffusers' StableDiffusionXLPipeline registers it) and
     * false otherwise (SD 1.x / 2.x pipelines have no such option and encode "").
     */
    static boolean zerosForEmptyNegative(ModelDirectory directory) {
        return directory.modelIndex().path("force_zeros_for_empty_prompt").asBoolean(directory.twoTextEncoders());
    }

    /** The latent channels and text width must agree across the configs and the sessions. */
    private static void checkGeometry(ModelDirectory directory, PromptEncoder text, UNet unet, VaeDecoder vae) {
        int channels = vae.latentChannels();
        if (unet.declaredChannels() > 0 && unet.declaredChannels() != channels) {
            throw new ModelException("unet/model.onnx takes " + unet.declaredChannels() + " channels but "
                    + "vae_decoder/config.json says latent_channels " + channels + ": the components do not match.");
        }
        JsonNode unetConfig = directory.optionalConfig("unet/config.json");
        if (unetConfig.has("in_channels") && unetConfig.get("in_channels").asInt() != channels) {
            throw new ModelException("unet/config.json says in_channels " + unetConfig.get("in_channels").asInt()
                    + " but vae_decoder/config.json says latent_channels " + channels + ": the components do not match.");
        }
        if (unet.takesAddedConditions() && text.second() == null) {
            throw new ModelException("unet/model.onnx is an SDXL UNet (inputs text_embeds and time_ids) but the "
                    + "model has no text_encoder_2: add text_encoder_2/ and tokenizer_2/ from the same SDXL export.");
        }
        if (!unet.takesAddedConditions() && text.second() != null) {
            throw new ModelException("the model has text_encoder_2 (SDXL) but unet/model.onnx takes no text_embeds "
                    + "and time_ids: the components do not match.");
        }
        if (unet.declaredHiddenSize() > 0 && unet.declaredHiddenSize() != text.hiddenSize()) {
            throw new ModelException("unet/model.onnx expects text states of width " + unet.declaredHiddenSize()
                    + " but " + (text.second() == null ? "text_encoder/model.onnx produces "
                    : "text_encoder and text_encoder_2 together produce ") + text.hiddenSize()
                    + ": the components do not match.");
        }
        if (unet.declaredPooledSize() > 0 && unet.declaredPooledSize() != text.pooledSize()) {
            throw new ModelException("unet/model.onnx expects text_embeds of width " + unet.declaredPooledSize()
                    + " but text_encoder_2/model.onnx produces " + text.pooledSize()
                    + ": the components do not match.");
        }
    }

    /**
     * SHA-256 over the component folders' files (relative path and content, in path order), computed once.
     * Its first 10 hex digits are the "Model hash" in PNG parameters.
     */
    public synchronized String hash() {
        if (hash == null) {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] chunk = new byte[1 << 20];
                List<String> components = directory.twoTextEncoders()
                        ? List.of("text_encoder", "tokenizer", "text_encoder_2", "tokenizer_2", "unet", "vae_decoder",
                        "scheduler")
                        : List.of("text_encoder", "tokenizer", "unet", "vae_decoder", "scheduler");
                for (String component : components) {
                    Path dir = directory.root().resolve(component);
                    List<Path> files;
                    try (Stream<Path> walk = Files.walk(dir)) {
                        files = walk.filter(Files::isRegularFile).sorted().toList();
                    }
                    for (Path file : files) {
                        digest.update(directory.root().relativize(file).toString().replace('\\', '/')
                                .getBytes(StandardCharsets.UTF_8));
                        try (InputStream in = Files.newInputStream(file)) {
                            for (int n; (n = in.read(chunk)) > 0; ) {
                                digest.update(chunk, 0, n);
                            }
                        }
                    }
                }
                hash = HexFormat.of().formatHex(digest.digest());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
        return hash;
    }

    public ModelDirectory directory() {
        return directory;
    }

    public SchedulerConfig schedulerConfig() {
        return directory.schedulerConfig();
    }

    public SessionFactory sessions() {
        return sessions;
    }

    /** Time inside session runs of all three components since load (or the last reset). */
    public RunClock clock() {
        return clock;
    }

    /** The (first) text encoder: the only one of SD 1.x / 2.x, CLIP ViT-L of SDXL. */
    public TextEncoder textEncoder() {
        return textEncoder;
    }

    /** SDXL's second text encoder (OpenCLIP bigG with projection), or null. */
    public TextEncoder textEncoder2() {
        return textEncoder2;
    }

    /** Prompts to UNet conditioning, with this model's encoders. */
    public PromptEncoder promptEncoder() {
        return promptEncoder;
    }

    public UNet unet() {
        return unet;
    }

    public VaeDecoder vaeDecoder() {
        return vaeDecoder;
    }

    /** The LoRAs merged into this model's sessions (canonical form; empty for the plain model). */
    public LoraSet loras() {
        return loras;
    }

    /** What each global LoRA matched; empty without LoRAs. */
    public List<LoraReport> loraReports() {
        return merged == null ? List.of() : merged.reports();
    }

    /** The unmerged weights, for building sessions with other LoRA sets (see {@link LoraSessions}). */
    public BaseModelWeights baseWeights() {
        return baseWeights;
    }

    @Override
    public void close() {
        vaeDecoder.close();
        unet.close();
        if (textEncoder2 != null) {
            textEncoder2.close();
        }
        textEncoder.close();
        NativeMemory.release();
    }
}
