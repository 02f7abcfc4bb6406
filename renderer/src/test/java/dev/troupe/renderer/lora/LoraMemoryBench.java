package dev.troupe.renderer.lora;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedOutputStream;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.NativeMemory;
import dev.troupe.renderer.onnx.SessionFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: the memory of building one LoRA set's sessions on a model of real size (SD 1.5's layout: a UNet whose
 * weights are external data, a text encoder with its weights inline in model.onnx), measured in a fresh JVM.
 *
 * <pre>
 *   java -Xmx6g -cp TEST_CLASSPATH dev.troupe.renderer.lora.LoraMemoryBench generate DIR [UNET_MIB] [TEXT_MIB]
 *   java -Xmx6g -cp TEST_CLASSPATH dev.troupe.renderer.lora.LoraMemoryBench measure DIR
 * </pre>
 * {@code generate} writes DIR/unet/model.onnx + weights.pb (64 Linear layers, UNET_MIB of fp32 weights, default
 * 1024), DIR/text_encoder/model.onnx (48 layers, TEXT_MIB inline, default 384) and DIR/lora.safetensors (kohya,
 * rank 16, on a quarter of the UNet's layers and of the text encoder's). {@code measure} opens both networks plain
 * (the model's own sessions), then builds the LoRA set's UNet and text encoder sessions as LoraSessions does
 * ({@link BaseModelWeights#merge}, then a session per network with the merged weights) and prints heap and RSS:
 * the peak during the build and what stays after it, each above the level before it.
 */
public final class LoraMemoryBench {
    private static final int UNET_LAYERS = 64;
    private static final int TEXT_LAYERS = 48;
    private static final int RANK = 16;

    private LoraMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]).toAbsolutePath();
        switch (args[0]) {
            case "generate" -> generate(dir, args.length > 2 ? Integer.parseInt(args[2]) : 1024,
                    args.length > 3 ? Integer.parseInt(args[3]) : 384);
            case "measure" -> measure(dir);
            default -> throw new IllegalArgumentException("generate DIR [UNET_MIB] [TEXT_MIB] | measure DIR");
        }
    }

    // ---- the model -------------------------------------------------------------------------------------------------

    static String unetModule(int i) {
        String[] projections = {"to_q", "to_k", "to_v", "to_out.0"};
        return "down_blocks." + (i / 4) + ".attentions.0.transformer_blocks.0.attn1." + projections[i % 4];
    }

    static String textModule(int i) {
        return "text_model.encoder.layers." + i + ".self_attn.q_proj";
    }

    /** Width of a square layer so that {@code layers} of them hold about {@code mib} MiB of fp32. */
    static int width(int mib, int layers) {
        return (int) Math.sqrt((double) mib * (1 << 20) / 4 / layers) / 64 * 64;
    }

    static void generate(Path dir, int unetMib, int textMib) throws IOException {
        int d = width(unetMib, UNET_LAYERS);
        int t = width(textMib, TEXT_LAYERS);
        Files.createDirectories(dir.resolve("unet"));
        Files.createDirectories(dir.resolve("text_encoder"));
        writeChain(dir.resolve("unet/model.onnx"), d, UNET_LAYERS, LoraMemoryBench::unetModule, "weights.pb");
        writeChain(dir.resolve("text_encoder/model.onnx"), t, TEXT_LAYERS, LoraMemoryBench::textModule, null);
        SafetensorsWriter lora = new SafetensorsWriter();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < UNET_LAYERS; i += 4) {
            addModule(lora, "lora_unet_" + unetModule(i).replace('.', '_'), d, random);
        }
        for (int i = 0; i < TEXT_LAYERS; i += 4) {
            addModule(lora, "lora_te_" + textModule(i).replace('.', '_'), t, random);
        }
        lora.write(dir.resolve("lora.safetensors"));
        System.out.printf(Locale.ROOT, "wrote %s: UNet %d x [%d, %d] fp32 external (%.0f MiB), text encoder %d x [%d, %d]"
                        + " fp32 inline (%.0f MiB), LoRA rank %d on %d + %d modules%n", dir, UNET_LAYERS, d, d,
                mib(Files.size(dir.resolve("unet/weights.pb"))), TEXT_LAYERS, t, t,
                mib(Files.size(dir.resolve("text_encoder/model.onnx"))), RANK, UNET_LAYERS / 4, TEXT_LAYERS / 4);
    }

    private static void addModule(SafetensorsWriter lora, String stem, int d, SplittableRandom random) {
        lora.f32(stem + ".lora_down.weight", new long[] {RANK, d}, gaussian(RANK * d, random, 0.02));
        lora.f32(stem + ".lora_up.weight", new long[] {d, RANK}, gaussian(RANK * d, random, 0.02));
        lora.f32(stem + ".alpha", new long[] {}, new float[] {8f});
    }

    private static float[] gaussian(int n, SplittableRandom random, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private interface Naming {
        String module(int layer);
    }

    /**
     * x [1, tokens, d] -> MatMul -> ... -> y: {@code layers} Linear weights {@code onnx::MatMul_i [d, d]}, named as torch
     * exports them, consumed by nodes that keep the module path. With {@code externalFile} the weights go there (as
     * optimum writes SD's UNet); without, they are raw_data inside model.onnx, written as a stream.
     */
    private static void writeChain(Path model, int d, int layers, Naming naming, String externalFile)
            throws IOException {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("chain");
        graph.addInput(value("x", d)).addOutput(value("y", d));
        String previous = "x";
        for (int i = 0; i < layers; i++) {
            String out = i == layers - 1 ? "y" : "h" + i;
            graph.addNode(NodeProto.newBuilder().setOpType("MatMul")
                    .setName("/" + naming.module(i).replace('.', '/').replaceAll("/(\\d+)", ".$1") + "/MatMul")
                    .addInput(previous).addInput("onnx::MatMul_" + i).addOutput(out));
            previous = out;
        }
        long bytes = (long) d * d * 4;
        List<TensorProto> headers = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            TensorProto.Builder h = TensorProto.newBuilder().setName("onnx::MatMul_" + i).addDims(d).addDims(d)
                    .setDataType(TensorProto.DataType.FLOAT.getNumber());
            if (externalFile != null) {
                h.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", externalFile))
                        .addExternalData(entry("offset", Long.toString(i * bytes)))
                        .addExternalData(entry("length", Long.toString(bytes)));
            }
            headers.add(h.build());
        }
        SplittableRandom random = new SplittableRandom(model.toString().hashCode());
        ModelProto.Builder skeleton = ModelProto.newBuilder().setIrVersion(8).setProducerName("troupe-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(14));
        if (externalFile != null) {
            headers.forEach(graph::addInitializer);
            Files.write(model, skeleton.setGraph(graph).build().toByteArray());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(model.resolveSibling(externalFile)),
                    1 << 20)) {
                for (int i = 0; i < layers; i++) {
                    writeWeights(out, d, random);
                }
            }
            return;
        }
        // inline: ModelProto { fields..., graph { nodes, inputs, outputs, initializers with raw_data } }, streamed
        byte[] graphHead = graph.build().toByteArray();
        long graphSize = graphHead.length;
        for (TensorProto h : headers) {
            long tensor = h.getSerializedSize() + CodedOutputStream.computeTagSize(9)
                    + CodedOutputStream.computeUInt64SizeNoTag(bytes) + bytes;
            graphSize += CodedOutputStream.computeTagSize(5) + CodedOutputStream.computeUInt64SizeNoTag(tensor) + tensor;
        }
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(model), 1 << 20)) {
            CodedOutputStream out = CodedOutputStream.newInstance(file, 1 << 16);
            out.writeRawBytes(skeleton.build().toByteArray());
            out.writeTag(7, 2);
            out.writeUInt64NoTag(graphSize);
            out.writeRawBytes(graphHead);
            for (TensorProto h : headers) {
                long tensor = h.getSerializedSize() + CodedOutputStream.computeTagSize(9)
                        + CodedOutputStream.computeUInt64SizeNoTag(bytes) + bytes;
                out.writeTag(5, 2);
                out.writeUInt64NoTag(tensor);
                out.writeRawBytes(h.toByteArray());
                out.writeTag(9, 2);
                out.writeUInt64NoTag(bytes);
                out.flush();
                writeWeights(file, d, random);
            }
            out.flush();
        }
    }

    /** d x d little-endian floats, scaled as a trained Linear layer's (about 1 / sqrt(d)). */
    private static void writeWeights(OutputStream out, int d, SplittableRandom random) throws IOException {
        ByteBuffer row = ByteBuffer.allocate(d * 4).order(ByteOrder.LITTLE_ENDIAN);
        double scale = 1 / Math.sqrt(d);
        for (int r = 0; r < d; r++) {
            row.clear();
            for (int c = 0; c < d; c++) {
                row.putFloat((float) ((random.nextDouble() * 2 - 1) * scale));
            }
            out.write(row.array());
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ValueInfoProto value(String name, int d) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDimBuilder().setDimValue(1);
        shape.addDimBuilder().setDimParam("tokens");
        shape.addDimBuilder().setDimValue(d);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    // ---- the measurement -------------------------------------------------------------------------------------------

    static void measure(Path dir) throws Exception {
        Path unet = dir.resolve("unet/model.onnx");
        Path text = dir.resolve("text_encoder/model.onnx");
        long weights = Files.size(dir.resolve("unet/weights.pb")) + Files.size(text);
        SessionFactory sessions = new SessionFactory(ExecutionProvider.CPU, 1);
        System.out.printf(Locale.ROOT, "weights: UNet %.0f MiB (external), text encoder %.0f MiB (inline); max heap %.0f "
                        + "MiB%n",
                mib(Files.size(dir.resolve("unet/weights.pb"))), mib(Files.size(text)), mib(Runtime.getRuntime().maxMemory()));
        Snapshot start = Snapshot.now();
        OrtSession plainUnet = sessions.open(unet);
        OrtSession plainText = sessions.open(text);
        // a model in use: both sessions have run once (ONNX Runtime keeps its working memory between runs)
        double plainSmall = seconds(plainUnet, 256), plainLarge = seconds(plainUnet, 2048);
        seconds(plainText, 77);
        Snapshot loaded = Snapshot.now();
        System.out.printf(Locale.ROOT, "the model's own sessions, after a run: RSS +%.0f MiB (%.2f x the weights)%n",
                mib(loaded.rss - start.rss), (double) (loaded.rss - start.rss) / weights);

        Sampler sampler = Sampler.begin();
        long t0 = System.nanoTime();
        BaseModelWeights base = new BaseModelWeights(unet, text);
        MergedLoras merged = base.merge(LoraSet.of(dir.resolve("lora.safetensors"), 1.0));
        Snapshot afterMerge = Snapshot.now();
        OrtSession loraUnet = sessions.open(unet, merged.unet());
        Snapshot afterUnet = Snapshot.now();
        OrtSession loraText = sessions.open(text, merged.textEncoder());
        merged.close(); // as LoraSessions does once a set's sessions exist
        long nanos = System.nanoTime() - t0;
        sampler.finish();
        Snapshot built = Snapshot.now();
        long changed = merged.bytes();
        System.out.printf(Locale.ROOT, "one LoRA set (UNet + text encoder), built in %.1f s; changed tensors %.0f MiB "
                        + "(UNet %.0f, text encoder %.0f)%n", nanos / 1e9, mib(changed), mib(merged.unet().bytes()),
                mib(merged.textEncoder().bytes()));
        System.out.printf(Locale.ROOT, "  heap:  peak +%.0f MiB during the build, +%.0f MiB after it (%.2f x the changed "
                        + "tensors); direct buffers +%.0f MiB%n", mib(sampler.peakHeap - loaded.heap),
                mib(built.heap - loaded.heap), (double) (built.heap - loaded.heap) / changed,
                mib(built.direct - loaded.direct));
        System.out.printf(Locale.ROOT, "  RSS:   peak +%.0f MiB during the build (%.2f x the weights), +%.0f MiB after "
                        + "it (%.2f x the weights)%n", mib(built.peakRss - loaded.rss),
                (double) (built.peakRss - loaded.rss) / weights, mib(built.rss - loaded.rss),
                (double) (built.rss - loaded.rss) / weights);
        System.out.printf(Locale.ROOT, "  RSS by stage: merge +%.0f MiB, UNet session +%.0f MiB (%.2f x its weights), "
                        + "text encoder session +%.0f MiB (%.2f x its weights)%n", mib(afterMerge.rss - loaded.rss),
                mib(afterUnet.rss - afterMerge.rss),
                (double) (afterUnet.rss - afterMerge.rss) / Files.size(dir.resolve("unet/weights.pb")),
                mib(built.rss - afterUnet.rss), (double) (built.rss - afterUnet.rss) / Files.size(text));
        double loraSmall = seconds(loraUnet, 256), loraLarge = seconds(loraUnet, 2048);
        seconds(loraText, 77);
        Snapshot ran = Snapshot.now();
        System.out.printf(Locale.ROOT, "  the LoRA set resident, after a run: RSS +%.0f MiB (%.2f x the weights; "
                        + "anonymous +%.0f MiB, file-backed +%.0f MiB)%n", mib(ran.rss - loaded.rss),
                (double) (ran.rss - loaded.rss) / weights, mib(ran.anon - loaded.anon), mib(ran.file - loaded.file));
        System.out.printf(Locale.ROOT, "  one UNet run, the model's own session against the LoRA set's: 256 tokens "
                        + "%.3f s / %.3f s (%+.0f%%), 2048 tokens %.3f s / %.3f s (%+.0f%%)%n", plainSmall, loraSmall,
                100 * (loraSmall / plainSmall - 1), plainLarge, loraLarge, 100 * (loraLarge / plainLarge - 1));
        close(loraUnet, loraText, plainUnet, plainText);
    }

    /** The faster of three runs of x [1, tokens, d] through the chain. */
    private static double seconds(OrtSession session, int tokens) throws OrtException {
        long d = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get("x").getInfo()).getShape()[2];
        float[] x = new float[(int) (tokens * d)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.001);
        }
        double best = Double.MAX_VALUE;
        try (ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(
                ai.onnxruntime.OrtEnvironment.getEnvironment(), java.nio.FloatBuffer.wrap(x), new long[] {1, tokens, d})) {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (OrtSession.Result ignored = session.run(java.util.Map.of("x", input))) {
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        return best;
    }

    private static void close(OrtSession... sessions) throws OrtException {
        for (OrtSession s : sessions) {
            s.close();
        }
    }

    /**
     * Heap after a full GC, direct buffers, and the process's resident memory from /proc/self/status once freed native
     * memory went back to the system, as troupe gives it back after loading a model, changing its LoRA sets and each
     * render ({@link NativeMemory}).
     */
    private record Snapshot(long heap, long direct, long rss, long peakRss, long anon, long file) {
        static Snapshot now() throws IOException {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            NativeMemory.release();
            long direct = 0;
            for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    direct = pool.getMemoryUsed();
                }
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            return new Snapshot(heap, direct, status("VmRSS"), status("VmHWM"), status("RssAnon"), status("RssFile"));
        }
    }

    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no " + field + " in /proc/self/status (Linux only)");
    }

    /** Peak heap use while it runs (sampled every 5 ms); resets the process's RSS peak when it starts. */
    private static final class Sampler extends Thread {
        volatile boolean running = true;
        long peakHeap;
        final AtomicLong max = new AtomicLong();

        static Sampler begin() throws IOException {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // VmHWM := VmRSS
            Sampler s = new Sampler();
            s.setDaemon(true);
            s.start();
            return s;
        }

        @Override
        public void run() {
            while (running) {
                max.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void finish() throws InterruptedException {
            running = false;
            join();
            peakHeap = max.get();
        }
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
