package dev.troupe.renderer.lora;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.troupe.renderer.NonFiniteException;
import dev.troupe.scene.FileErrors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated, memory-mapped safetensors file.
 *
 * <p>Layout: 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the data. Every entry is
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} relative to the first data byte; {@code __metadata__} maps
 * strings to strings.
 *
 * <p>Why not DJL's {@code NDList.decode} (ai.djl:api is on the classpath through the tokenizers): probed with DJL
 * 0.36.0, it accepts duplicate keys silently (the last wins), turns a header length of 2^63 into an
 * {@code ArithmeticException}, allocates a byte array of the declared header length before checking it against the
 * stream (a 2 GB header length is an {@code OutOfMemoryError}), reads the whole file onto the heap, needs an engine
 * (it loads DJL's native Rust engine), and has no BF16 to float widening.
 *
 * <p>Limits enforced before anything is trusted: the header length fits in the file and is at most
 * {@link #MAX_HEADER_BYTES}; the header is strict UTF-8 JSON without duplicate keys; offsets are in bounds, sorted
 * they cover the data without overlaps or holes; each byte size equals the product of the shape times the dtype
 * size. Every violation is a {@link LoraException} naming the file. The largest allocation a hostile file can cause
 * is the header (capped) plus one tensor's floats, and a tensor is never larger than the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's cap on the JSON header. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Element types of the safetensors format with their sizes in bytes; only F32, F16 and BF16 can be read. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1),
        F8_E4M3(1), F8_E5M2(1);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor entry: shape {@code []} is a scalar (a kohya {@code .alpha}); offsets relative to the data start. */
    public record Tensor(String name, DType dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d; // checked for overflow when the file was opened
            }
            return n;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Tensor> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the file; the data stays on disk and is mapped per tensor on read. */
    public static SafetensorsFile open(Path path) {
        String notAFile = FileErrors.notARegularFile(path);
        if (notAFile != null) {
            throw new LoraException("LoRA file " + path + " " + notAFile + ". Check the path in --lora or the plan.");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new LoraException("Cannot open LoRA file " + path + ": " + FileErrors.reason(e)
                    + ". Check the path in --lora or the plan.", e);
        }
        try {
            return read(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile read(Path path, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw problem(path, "is truncated: " + fileSize + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong(); // unsigned: a negative long is >= 2^63
            if (headerLength < 0 || headerLength > fileSize - 8) {
                throw problem(path, "declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes but the file has only " + (fileSize - 8) + " bytes after the length"
                        + " (truncated or not a safetensors file)");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw problem(path, "declares a header of " + headerLength + " bytes, over the "
                        + MAX_HEADER_BYTES + "-byte limit");
            }
            if (headerLength < 2) {
                throw problem(path, "has an empty header (" + headerLength + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = decodeUtf8(path, header.flip());
            long dataStart = 8 + headerLength;
            long dataLength = fileSize - dataStart;
            JsonNode root = parseJson(path, json);
            Map<String, String> metadata = Map.of();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().equals("__metadata__")) {
                    metadata = readMetadata(path, field.getValue());
                } else {
                    tensors.put(field.getKey(), readEntry(path, field.getKey(), field.getValue(), dataLength));
                }
            }
            checkCoverage(path, tensors.values(), dataLength);
            return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors), metadata);
        } catch (IOException e) {
            throw new LoraException("Cannot read LoRA file " + path + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += n;
        }
    }

    private static String decodeUtf8(Path path, ByteBuffer bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw problem(path, "has a header that is not valid UTF-8");
        }
    }

    private static JsonNode parseJson(Path path, String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw problem(path, "has a header that is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw problem(path, "has a header that is not a JSON object");
        }
        return root;
    }

    private static Map<String, String> readMetadata(Path path, JsonNode node) {
        if (!node.isObject()) {
            throw problem(path, "has a __metadata__ that is not an object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw problem(path, "has a __metadata__ value for '" + e.getKey() + "' that is not a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Tensor readEntry(Path path, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw problem(path, "has an entry '" + name + "' that is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw problem(path, "has no dtype string for tensor '" + name + "'");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw problem(path, "has an unknown dtype '" + dtypeNode.textValue() + "' for tensor '" + name + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw problem(path, "has no shape array for tensor '" + name + "'");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw problem(path, "has an invalid shape " + shapeNode + " for tensor '" + name + "'");
            }
            shape[i] = d.longValue();
            elements = multiplyOrFail(path, name, elements, shape[i]);
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw problem(path, "has no valid data_offsets [begin, end] for tensor '" + name + "'");
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end > dataLength) {
            throw problem(path, "has data_offsets [" + begin + ", " + end + "] for tensor '" + name
                    + "' outside the " + dataLength + " data bytes (truncated file?)");
        }
        long expected = multiplyOrFail(path, name, elements, dtype.bytes);
        if (end - begin != expected) {
            throw problem(path, "has tensor '" + name + "' of shape " + shapeNode + " and dtype " + dtype
                    + " (" + expected + " bytes) but its data_offsets span " + (end - begin) + " bytes");
        }
        return new Tensor(name, dtype, shape, begin, end);
    }

    private static long multiplyOrFail(Path path, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw problem(path, "has a shape too large to exist for tensor '" + name + "'");
        }
    }

    /** The data region is the tensors back to back: sorted by offset, each starts where the previous ended. */
    private static void checkCoverage(Path path, Iterable<Tensor> entries, long dataLength) {
        List<Tensor> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        long expectedBegin = 0;
        Tensor previous = null;
        for (Tensor t : sorted) {
            if (t.begin() < expectedBegin) {
                throw problem(path, "has overlapping tensors '" + previous.name() + "' and '" + t.name() + "'");
            }
            if (t.begin() > expectedBegin) {
                throw problem(path, "has " + (t.begin() - expectedBegin) + " unused bytes before tensor '"
                        + t.name() + "' (data_offsets must leave no holes)");
            }
            expectedBegin = t.end();
            previous = t;
        }
        if (expectedBegin != dataLength) {
            throw problem(path, "has " + (dataLength - expectedBegin) + " bytes after the last tensor");
        }
    }

    private static LoraException problem(Path path, String what) {
        return new LoraException("LoRA file " + path + " " + what + ". Use a valid .safetensors file.");
    }

    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map, empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Reads a tensor as float, widening F16 and BF16; row-major, length = element count. */
    public float[] readFloats(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new LoraException("LoRA file " + path + " has no tensor '" + name + "'");
        }
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16) {
            throw new LoraException("LoRA file " + path + " stores tensor '" + name + "' as " + t.dtype()
                    + "; only F32, F16 and BF16 LoRAs are supported. Convert the file to fp16 or fp32.");
        }
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new LoraException("LoRA file " + path + " has tensor '" + name + "' with " + count
                    + " elements, too large to merge");
        }
        float[] out = new float[(int) count];
        if (count == 0) {
            return out;
        }
        ByteBuffer data = map(t);
        switch (t.dtype()) {
            case F32 -> data.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float16.toFloat(data.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float16.bf16ToFloat(data.getShort(2 * i));
                }
            }
            default -> throw new AssertionError(t.dtype());
        }
        int bad = NonFiniteException.firstNonFinite(out);
        if (bad >= 0) {
            throw new LoraException("LoRA file " + path + " holds " + out[bad] + " in tensor '" + name + "' (element "
                    + bad + "): the file is damaged or was saved from a diverged training run; retrain or replace it");
        }
        return out;
    }

    private ByteBuffer map(Tensor t) {
        try {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(),
                    t.end() - t.begin());
            return mapped.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new LoraException("Cannot read tensor '" + t.name() + "' from LoRA file " + path + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing was written that could be lost
        }
    }
}
