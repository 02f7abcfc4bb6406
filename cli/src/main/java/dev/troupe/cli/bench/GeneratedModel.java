package dev.troupe.cli.bench;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.cli.bench.GraphWriter.Precision;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Stable Diffusion 1.5-sized model with random weights, in the diffusers/optimum ONNX layout, for benchmarks: its
 * cost is a real one (about SD 1.5's parameters and per-pixel work), its pictures are noise.
 *
 * <pre>
 *   unet   sample [N, 4, h, w] -> conv_in 320 -> 4 levels (320, 640, 1280, 1280 channels at h, h/2, h/4, h/8):
 *          2 ResBlocks down, a middle (2 ResBlocks + 1 transformer), 3 ResBlocks up that take the level's skip
 *          (concatenated, as SD's up blocks do); a transformer after each ResBlock at the first three levels
 *          (self-attention over h*w tokens, cross-attention to encoder_hidden_states [N, 77, 768], a feed-forward
 *          of 4x width in GEGLU's size); weights in unet/weights.pb (over 2 GB in fp32)
 *   text   token and position embeddings [49408 | 77, 768], 12 layers (4 [768, 768] attention projections and a
 *          768 -> 3072 -> 768 feed-forward, applied per token) -> last_hidden_state [B, 77, 768]
 *   vae    latent_sample [N, 4, h, w] -> 512 -> (x2, 256) -> (x2, 128) -> (x2, 64) -> 3, tanh: f = 8
 * </pre>
 * Nonlinearities are tanh and softmax so that random weights stay finite over every step. {@code sample_size} 32
 * (256 x 256 pixels native), so that the benchmark's canvases run in minutes on 2 cores.
 */
public final class GeneratedModel {
    public static final int SAMPLE_SIZE = 32;
    private static final int LENGTH = 77;
    private static final int VOCAB = 49408;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The widths of a generated model.
     *
     * @param channels   the UNet's channels at its 4 levels
     * @param hidden     the text encoder's width D (encoder_hidden_states [N, 77, D])
     * @param textLayers the text encoder's layers
     * @param vae        the VAE decoder's widths, from the latent up to the last upsampling
     */
    public record Size(int[] channels, int hidden, int textLayers, int[] vae) {
        /** Stable Diffusion 1.5's widths: an 815 M-parameter UNet, a 123 M-parameter text encoder. */
        public static final Size SD15 = new Size(new int[] {320, 640, 1280, 1280}, 768, 12,
                new int[] {512, 256, 128, 64});
        /** The same graph a hundred times narrower, for tests of the generator and the suite. */
        public static final Size TINY = new Size(new int[] {8, 16, 16, 16}, 16, 1, new int[] {8, 8, 8, 8});
    }

    private final Size size;

    private GeneratedModel(Size size) {
        this.size = size;
    }

    /** Writes {@code fp32/}, {@code fp16/} and {@code int8/} model folders under {@code root}. */
    public static void writeAll(Path root, Size size, PrintWriter log) throws IOException {
        for (Precision p : Precision.values()) {
            long start = System.nanoTime();
            Path dir = root.resolve(p.name().toLowerCase());
            long params = new GeneratedModel(size).write(dir, p);
            log.printf("%s: %s (UNet %.0f M parameters) in %.0f s%n", p, dir, params / 1e6,
                    (System.nanoTime() - start) / 1e9);
            log.flush();
        }
    }

    /** @return the UNet's parameter count */
    private long write(Path dir, Precision precision) throws IOException {
        Files.createDirectories(dir);
        long params = writeUnet(dir.resolve("unet"), precision);
        // ONNX Runtime's quantization tools quantize the UNet; the text encoder and VAE stay as they were
        Precision others = precision == Precision.INT8 ? Precision.FP32 : precision;
        writeTextEncoder(dir.resolve("text_encoder"), others);
        writeVae(dir.resolve("vae_decoder"), others);
        writeTokenizer(dir.resolve("tokenizer"));
        writeConfigs(dir);
        return params;
    }

    private long writeUnet(Path folder, Precision precision) throws IOException {
        GraphWriter g = new GraphWriter(precision, 2, folder.resolve("weights.pb"));
        String x = g.floatInput("sample", "batch", 4L, "height", "width");
        g.input("timestep", DataType.INT64, 1L);
        String context = g.floatInput("encoder_hidden_states", "batch", (long) LENGTH, (long) size.hidden());
        String t = g.op("Mul", new String[] {g.toFloat("timestep"), g.scalar(1e-3f)});
        x = g.op("Add", new String[] {g.conv(x, "conv_in", 4, size.channels()[0], 3, 1), t});
        String[] skips = new String[size.channels().length];
        for (int l = 0; l < size.channels().length; l++) {
            int c = size.channels()[l];
            for (int r = 0; r < 2; r++) {
                x = resBlock(g, x, "down." + l + ".res." + r, c, c);
                if (l < 3) {
                    x = transformer(g, x, context, "down." + l + ".attn." + r, c);
                }
            }
            skips[l] = x;
            if (l < size.channels().length - 1) {
                x = g.conv(x, "down." + l + ".downsample", c, size.channels()[l + 1], 3, 2);
            }
        }
        int top = size.channels()[size.channels().length - 1];
        x = resBlock(g, x, "mid.res.0", top, top);
        x = transformer(g, x, context, "mid.attn", top);
        x = resBlock(g, x, "mid.res.1", top, top);
        for (int l = size.channels().length - 1; l >= 0; l--) {
            int c = size.channels()[l];
            for (int r = 0; r < 3; r++) {
                x = resBlock(g, g.op("Concat", new String[] {x, skips[l]}, "axis", 1L), "up." + l + ".res." + r,
                        2 * c, c);
                if (l < 3) {
                    x = transformer(g, x, context, "up." + l + ".attn." + r, c);
                }
            }
            if (l > 0) {
                String up = g.op("Resize", new String[] {x, "", g.floatConstant(1, 1, 2, 2)}, "mode", "nearest");
                x = g.conv(up, "up." + l + ".upsample", c, size.channels()[l - 1], 3, 1);
            }
        }
        x = g.conv(g.op("Tanh", new String[] {x}), "conv_out", size.channels()[0], 4, 3, 1);
        g.floatOutput(x, "out_sample", "batch", 4L, "height", "width");
        g.write(folder.resolve("model.onnx"));
        writeJson(folder.resolve("config.json"), Map.of("_class_name", "UNet2DConditionModel", "in_channels", 4,
                "out_channels", 4, "sample_size", SAMPLE_SIZE, "cross_attention_dim", size.hidden(),
                "block_out_channels", size.channels()));
        return g.parameters();
    }

    /** tanh(x W1) W2 + shortcut, both 3x3: the shortcut is x, or a 1x1 conv of it when the width changes. */
    private String resBlock(GraphWriter g, String x, String name, int in, int out) throws IOException {
        String h = g.conv(g.op("Tanh", new String[] {x}), name + ".conv1", in, out, 3, 1);
        h = g.conv(g.op("Tanh", new String[] {h}), name + ".conv2", out, out, 3, 1);
        String shortcut = in == out ? x : g.conv(x, name + ".shortcut", in, out, 1, 1);
        return g.op("Add", new String[] {h, shortcut});
    }

    /** Self-attention, cross-attention and a feed-forward over the h*w tokens of x [N, c, h, w]. */
    private String transformer(GraphWriter g, String x, String context, String name, int c)
            throws IOException {
        String shape = g.op("Shape", new String[] {x});
        String tokens = g.op("Transpose", new String[] {g.op("Reshape", new String[] {x, g.int64s(0, c, -1)})},
                "perm", new long[] {0, 2, 1});
        String normed = g.op("Tanh", new String[] {tokens});
        tokens = g.op("Add", new String[] {tokens, attention(g, normed, normed, name + ".attn1", c, c)});
        normed = g.op("Tanh", new String[] {tokens});
        tokens = g.op("Add", new String[] {tokens, attention(g, normed, context, name + ".attn2", c, size.hidden())});
        normed = g.op("Tanh", new String[] {tokens});
        // GEGLU's size: c -> 8c (value and gate), 4c -> c
        String projected = g.matMul(normed, name + ".ff.proj", c, 8 * c);
        String value = g.op("Slice", new String[] {projected, g.int64s(0), g.int64s(4L * c), g.int64s(2)});
        String gate = g.op("Slice", new String[] {projected, g.int64s(4L * c), g.int64s(8L * c), g.int64s(2)});
        String gated = g.op("Mul", new String[] {value, g.op("Sigmoid", new String[] {gate})});
        tokens = g.op("Add", new String[] {tokens, g.matMul(gated, name + ".ff.out", 4 * c, c)});
        String back = g.op("Transpose", new String[] {tokens}, "perm", new long[] {0, 2, 1});
        return g.op("Reshape", new String[] {back, shape});
    }

    /** One head: softmax(q k^T / sqrt(c)) v, projected out. */
    private String attention(GraphWriter g, String x, String source, String name, int c, int sourceWidth)
            throws IOException {
        String q = g.matMul(x, name + ".to_q", c, c);
        String k = g.matMul(source, name + ".to_k", sourceWidth, c);
        String v = g.matMul(source, name + ".to_v", sourceWidth, c);
        String scores = g.op("MatMul", new String[] {q, g.op("Transpose", new String[] {k}, "perm",
                new long[] {0, 2, 1})});
        String weights = g.op("Softmax", new String[] {g.op("Mul", new String[] {scores,
                g.scalar((float) (1 / Math.sqrt(c)))})}, "axis", -1L);
        return g.matMul(g.op("MatMul", new String[] {weights, v}), name + ".to_out", c, c);
    }

    private void writeTextEncoder(Path folder, Precision precision) throws IOException {
        GraphWriter g = new GraphWriter(precision, 1, null);
        g.input("input_ids", DataType.INT32, "batch", (long) LENGTH);
        String tokens = g.floatWeight("text_model.embeddings.token_embedding.weight", 0.02, VOCAB, size.hidden());
        String positions = g.floatWeight("text_model.embeddings.position_embedding.weight", 0.01, LENGTH, size.hidden());
        String x = g.op("Add", new String[] {g.op("Gather", new String[] {tokens, "input_ids"}, "axis", 0L),
                positions});
        for (int layer = 0; layer < size.textLayers(); layer++) {
            String p = "text_model.encoder.layers." + layer;
            String normed = g.op("Tanh", new String[] {x});
            x = g.op("Add", new String[] {x, attention(g, normed, normed, p + ".self_attn", size.hidden(), size.hidden())});
            String h = g.op("Tanh", new String[] {g.matMul(g.op("Tanh", new String[] {x}), p + ".mlp.fc1", size.hidden(),
                    4 * size.hidden())});
            x = g.op("Add", new String[] {x, g.matMul(h, p + ".mlp.fc2", 4 * size.hidden(), size.hidden())});
        }
        x = g.op("Tanh", new String[] {x});
        g.floatOutput(x, "last_hidden_state", "batch", (long) LENGTH, (long) size.hidden());
        g.floatOutput(g.op("ReduceMean", new String[] {x}, "axes", new long[] {1}, "keepdims", 0L), "pooler_output",
                "batch", (long) size.hidden());
        g.write(folder.resolve("model.onnx"));
        writeJson(folder.resolve("config.json"), Map.of("_class_name", "CLIPTextModel", "hidden_size", size.hidden(),
                "max_position_embeddings", LENGTH, "vocab_size", VOCAB));
    }

    private void writeVae(Path folder, Precision precision) throws IOException {
        GraphWriter g = new GraphWriter(precision, 3, null);
        String x = g.floatInput("latent_sample", "batch", 4L, "latent_height", "latent_width");
        int[] widths = size.vae();
        x = g.conv(x, "decoder.conv_in", 4, widths[0], 3, 1);
        for (int i = 1; i < widths.length; i++) {
            String up = g.op("Resize", new String[] {g.op("Tanh", new String[] {x}), "", g.floatConstant(1, 1, 2, 2)},
                    "mode", "nearest");
            x = g.conv(up, "decoder.up." + i, widths[i - 1], widths[i], 3, 1);
        }
        x = g.op("Tanh", new String[] {g.conv(g.op("Tanh", new String[] {x}), "decoder.conv_out", widths[widths.length - 1], 3, 3, 1)});
        g.floatOutput(x, "sample", "batch", 3L, "height", "width");
        g.write(folder.resolve("model.onnx"));
        writeJson(folder.resolve("config.json"), Map.of("_class_name", "AutoencoderKL", "latent_channels", 4,
                "scaling_factor", 0.18215, "upscale_factor", 8));
    }

    /** CLIP BPE files over letters only: enough for the benchmark's prompts, ids below the embedding's 49408. */
    private static void writeTokenizer(Path folder) throws IOException {
        Files.createDirectories(folder);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (char ch = 'a'; ch <= 'z'; ch++) {
            vocab.put(String.valueOf(ch), vocab.size());
        }
        for (char ch = 'a'; ch <= 'z'; ch++) {
            vocab.put(ch + "</w>", vocab.size());
        }
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        JSON.writeValue(folder.resolve("vocab.json").toFile(), vocab);
        Files.writeString(folder.resolve("merges.txt"), "#version: 0.2\n");
        writeJson(folder.resolve("special_tokens_map.json"), Map.of("bos_token", "<|startoftext|>",
                "eos_token", "<|endoftext|>", "pad_token", "<|endoftext|>", "unk_token", "<|endoftext|>"));
    }

    private static void writeConfigs(Path dir) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("_class_name", "OnnxStableDiffusionPipeline");
        index.put("_diffusers_version", "0.30.0");
        for (List<String> entry : List.of(List.of("text_encoder", "diffusers", "OnnxRuntimeModel"),
                List.of("unet", "diffusers", "OnnxRuntimeModel"), List.of("vae_decoder", "diffusers", "OnnxRuntimeModel"),
                List.of("tokenizer", "transformers", "CLIPTokenizer"), List.of("scheduler", "diffusers", "DDIMScheduler"))) {
            ArrayNode pair = index.putArray(entry.get(0));
            pair.add(entry.get(1)).add(entry.get(2));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model_index.json").toFile(), index);
        Map<String, Object> scheduler = new LinkedHashMap<>();
        scheduler.put("_class_name", "DDIMScheduler");
        scheduler.put("num_train_timesteps", 1000);
        scheduler.put("beta_start", 0.00085);
        scheduler.put("beta_end", 0.012);
        scheduler.put("beta_schedule", "scaled_linear");
        scheduler.put("steps_offset", 1);
        scheduler.put("set_alpha_to_one", false);
        scheduler.put("prediction_type", "epsilon");
        writeJson(dir.resolve("scheduler/scheduler_config.json"), scheduler);
    }

    private static void writeJson(Path file, Map<String, ?> content) throws IOException {
        Files.createDirectories(file.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), content);
    }
}
