package dev.troupe.composer.png;

import dev.troupe.renderer.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class PngWriterTest {

    private static RgbImage gradient(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) (x * 255 / (w - 1));
                rgb[i + 1] = (byte) (y * 255 / (h - 1));
                rgb[i + 2] = (byte) 77;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    /** Text chunks read straight from the PNG bytes, as other tools do (no ImageIO metadata involved). */
    static Map<String, String> textChunks(Path png) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(png); DataInputStream in = new DataInputStream(raw)) {
            in.skipNBytes(8);
            while (true) {
                int length = in.readInt();
                String type = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
                byte[] data = in.readNBytes(length);
                in.readInt(); // CRC
                if (type.equals("tEXt")) {
                    int zero = indexOf(data, 0);
                    texts.put("tEXt:" + new String(data, 0, zero, StandardCharsets.ISO_8859_1),
                            new String(data, zero + 1, data.length - zero - 1, StandardCharsets.ISO_8859_1));
                } else if (type.equals("iTXt")) {
                    int zero = indexOf(data, 0);
                    String key = new String(data, 0, zero, StandardCharsets.ISO_8859_1);
                    assertThat(data[zero + 1]).as("uncompressed").isZero();
                    int language = indexOf(data, zero + 3);
                    int translated = indexOf(data, language + 1);
                    texts.put("iTXt:" + key, new String(data, translated + 1, data.length - translated - 1, StandardCharsets.UTF_8));
                } else if (type.equals("IEND")) {
                    return texts;
                }
            }
        }
    }

    private static int indexOf(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == 0) {
                return i;
            }
        }
        throw new AssertionError("no NUL separator");
    }

    @Test
    void writesPixelsPlanAndParameters(@TempDir Path dir) throws Exception {
        RgbImage image = gradient(17, 9);
        String plan = "{\"version\":1,\"background\":\"a café in Zürich — ☀\"}";
        String parameters = new GenerationParameters("a person in a red shirt", "blurry", 20, "Euler a", 7.5, 42,
                17, 9, "0123456789abcdef", "embedded").toA1111();
        Path out = dir.resolve("sub/out.png");
        PngWriter.write(out, image, plan, parameters);

        BufferedImage read = ImageIO.read(out.toFile());
        assertThat(read.getWidth()).isEqualTo(17);
        assertThat(read.getHeight()).isEqualTo(9);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 17; x++) {
                assertThat(read.getRGB(x, y) & 0xffffff).isEqualTo(image.rgbAt(x, y));
            }
        }
        Map<String, String> texts = textChunks(out);
        assertThat(texts).containsEntry("iTXt:troupe-plan", plan);
        assertThat(texts).containsEntry("tEXt:parameters", "a person in a red shirt\nNegative prompt: blurry\n"
                + "Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 17x9, Model hash: 0123456789, Model: embedded");
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertThat(files).containsExactly(out); // no temporary file left behind
        }
    }

    @Test
    void nonLatinParametersGoToITxtAndReplaceAnExistingFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.png");
        Files.writeString(out, "old");
        String parameters = new GenerationParameters("東京の公園", "", 4, "DDIM", 1, 1, 4, 4, null, null).toA1111();
        PngWriter.write(out, gradient(4, 4), null, parameters);
        assertThat(textChunks(out)).containsOnlyKeys("iTXt:parameters").containsEntry("iTXt:parameters",
                "東京の公園\nSteps: 4, Sampler: DDIM, CFG scale: 1, Seed: 1, Size: 4x4");
    }
}
