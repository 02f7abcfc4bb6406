package dev.troupe.renderer.lora;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    @Test
    void readsF32F16Bf16ScalarsAndMetadata() throws IOException {
        float[] values = {0.5f, -1.25f, 3f, 0.0078125f, -0f, 1024f};
        Path file = new SafetensorsWriter()
                .meta("ss_network_dim", "4")
                .f32("a", new long[] {2, 3}, values)
                .f16("b", new long[] {6}, values)
                .bf16("c", new long[] {3, 2}, values)
                .f16("alpha", new long[] {}, new float[] {8f})
                .write(dir.resolve("ok.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.metadata()).containsEntry("ss_network_dim", "4");
            assertThat(st.tensors().keySet()).containsExactly("a", "b", "c", "alpha");
            assertThat(st.tensors().get("c").shape()).containsExactly(3, 2);
            assertThat(st.readFloats("a")).containsExactly(values);
            assertThat(st.readFloats("b")).containsExactly(values);
            assertThat(st.readFloats("c")).containsExactly(values);
            assertThat(st.tensors().get("alpha").shape()).isEmpty();
            assertThat(st.readFloats("alpha")).containsExactly(8f);
        }
    }

    @Test
    void truncatedBeforeTheLength() throws IOException {
        Path file = Files.write(dir.resolve("t.safetensors"), new byte[] {1, 2, 3});
        assertProblem(file, "truncated");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] ok = new SafetensorsWriter().f32("a", new long[] {4}, new float[4]).toBytes();
        Path file = Files.write(dir.resolve("t.safetensors"), Arrays.copyOf(ok, ok.length - 3));
        assertProblem(file, "outside the");
    }

    @Test
    void headerLongerThanTheFile() throws IOException {
        assertProblem(withLength(1000, "{}"), "declares a header of 1000 bytes");
    }

    @Test
    void headerLengthTwoToTheSixtyThird() throws IOException {
        assertProblem(withLength(Long.MIN_VALUE, "{}"), "declares a header of 9223372036854775808 bytes");
    }

    @Test
    void headerOverTheCapIsRefusedWithoutReadingIt() throws IOException {
        // A sparse 101 MB file: the declared header fits in the file but exceeds the 100 MB cap.
        Path file = dir.resolve("huge.safetensors");
        long declared = SafetensorsFile.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).array());
            raf.write('{');
            raf.setLength(8 + declared + 16);
        }
        long before = usedHeap();
        assertProblem(file, "over the 104857600-byte limit");
        assertThat(usedHeap() - before).isLessThan(50L * 1024 * 1024);
    }

    @Test
    void overlappingOffsets() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertProblem(raw(header, 12), "overlapping tensors 'a' and 'b'");
    }

    @Test
    void holeBetweenTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertProblem(raw(header, 12), "unused bytes before tensor 'b'");
    }

    @Test
    void shapeAndSizeMismatch() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[3,2],\"data_offsets\":[0,8]}}";
        assertProblem(raw(header, 8), "(12 bytes) but its data_offsets span 8 bytes");
    }

    @Test
    void shapeOverflowingLong() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}";
        assertProblem(raw(header, 8), "shape too large");
    }

    @Test
    void duplicateKeys() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertProblem(raw(header, 4), "Duplicate field 'a'");
    }

    @Test
    void notJson() throws IOException {
        assertProblem(raw("this is not json", 0), "not valid JSON");
    }

    @Test
    void notUtf8() throws IOException {
        byte[] header = "{\"\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1); // lone 0xE9: invalid UTF-8
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        assertProblem(Files.write(dir.resolve("latin1.safetensors"), b.array()), "not valid UTF-8");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        assertProblem(raw("{\"__metadata__\":{\"rank\":4}}", 0), "__metadata__ value for 'rank'");
    }

    @Test
    void unknownDtype() throws IOException {
        assertProblem(raw("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unknown dtype 'Q4'");
    }

    @Test
    void integerTensorsAreListedButNotReadAsFloat() throws IOException {
        Path file = raw("{\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> st.readFloats("a")).isInstanceOf(LoraException.class)
                    .hasMessageContaining("only F32, F16 and BF16");
        }
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private void assertProblem(Path file, String fragment) {
        assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isInstanceOf(LoraException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(fragment);
    }

    private Path withLength(long length, String body) throws IOException {
        byte[] json = body.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(length).put(json);
        return Files.write(dir.resolve("len" + Long.toHexString(length) + ".safetensors"), b.array());
    }

    private Path raw(String header, int dataBytes) throws IOException {
        return Files.write(dir.resolve("raw" + header.hashCode() + ".safetensors"),
                SafetensorsWriter.assemble(header, new byte[dataBytes]));
    }
}
