package dev.troupe.verify;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.write.Profile;
import dev.troupe.renderer.fixtures.OnnxGraph;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.UserInputException;
import dev.troupe.scene.Verification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The CLIP verifier on a CLIP-format fixture: {@code model.onnx} with {@code input_ids}, {@code attention_mask}
 * {@code [T, 77]} and {@code pixel_values} {@code [1, 3, 224, 224]} -> {@code logits_per_image} {@code [1, T]}, whose
 * arithmetic is simple enough to work by hand: a prompt's embedding is the mean over the 77 positions of its masked
 * token embeddings ("red" = (1, 0, 0), "green" = (0, 1, 0), "blue" = (0, 0, 1), other words 0), the image's is the
 * mean of each channel of {@code pixel_values}, and the logit is their dot product.
 */
class ClipVerifierTest {
    /** The word-level fixture tokenizer's words (renderer's test fixtures): "a", "person", "in", colours... */
    private static final List<String> WORDS = SdFixture.WORDS;
    /** Normalised channel values of 255 and of 0, worked by hand in float32: (v / 255 - mean) / std. */
    private static final float[] FULL = {1.9303361f, 2.0748837f, 2.145897f};
    private static final float[] ZERO = {-1.7922626f, -1.7520971f, -1.4802198f};

    @TempDir
    Path dir;

    private static final Map<String, Map<String, String>> PROMPTS = Map.of("top", new LinkedHashMap<>(Map.of(
            "red", "a person in red")));

    static {
        PROMPTS.get("top").put("green", "a person in green");
        PROMPTS.get("top").put("blue", "a person in blue");
    }

    private Path fixture() throws Exception {
        Path folder = dir.resolve("clip");
        OnnxGraph g = new OnnxGraph(1);
        g.input("input_ids", DataType.INT64, "text", 77L);
        g.input("attention_mask", DataType.INT64, "text", 77L);
        g.input("pixel_values", DataType.FLOAT, "batch", 3L, 224L, 224L);
        float[] table = new float[WORDS.size() * 3];
        table[WORDS.indexOf("red") * 3] = 1;
        table[WORDS.indexOf("green") * 3 + 1] = 1;
        table[WORDS.indexOf("blue") * 3 + 2] = 1;
        String embeddings = g.constant("token_embedding", false, table, WORDS.size(), 3);
        String tokens = g.op("Gather", new String[] {embeddings, "input_ids"}, "axis", 0L);
        String mask = g.op("Cast", new String[] {"attention_mask"}, "to", (long) DataType.FLOAT.getNumber());
        String mask3 = g.op("Unsqueeze", new String[] {mask, g.int64Constant("axis2", 2)});
        String masked = g.op("Mul", new String[] {tokens, mask3});
        String text = g.op("ReduceMean", new String[] {masked}, "axes", new long[] {1}, "keepdims", 0L);
        String image = g.op("ReduceMean", new String[] {"pixel_values"}, "axes", new long[] {2, 3}, "keepdims", 0L);
        String textT = g.op("Transpose", new String[] {text}, "perm", new long[] {1, 0});
        g.node("MatMul", new String[] {image, textT}, "logits_per_image");
        g.node("Transpose", new String[] {"logits_per_image"}, "logits_per_text", "perm", new long[] {1, 0});
        g.output("logits_per_image", DataType.FLOAT, "batch", "text");
        g.output("logits_per_text", DataType.FLOAT, "text", "batch");
        g.write(folder.resolve("model.onnx"));
        SdFixture.writeWordLevelTokenizer(folder, true);
        return folder;
    }

    private static BufferedImage scene(Color subject) {
        BufferedImage image = new BufferedImage(192, 128, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 192, 128);
        g.setColor(subject);
        g.fillRect(64, 0, 64, 128);
        g.dispose();
        return image;
    }

    private static Region subject(String top) {
        return new Region("s1", new Box(64, 0, 64, 128), "p", "", 1, 1, Map.of("top", top, "gender", "female"),
                List.of());
    }

    @Test
    void logitsAreThoseWorkedByHandAndTheHighestWinsUnlessTheMarginIsNotMet() throws Exception {
        SessionFactory sessions = new SessionFactory(ExecutionProvider.CPU, 1);
        try (ClipVerifier clip = ClipVerifier.load(fixture(), sessions, PROMPTS, 0.01)) {
            assertThat(clip.name()).startsWith("clip:").endsWith("clip");
            // a pure red box: the image embedding is (FULL[0], ZERO[1], ZERO[2]); a prompt's is its colour / 77
            float[] logits = clip.logits(ClipImageProcessor.pixelValues(scene(Color.RED), new Box(64, 0, 64, 128)));
            assertThat(logits).hasSize(3);
            assertThat(logits[0]).isCloseTo(FULL[0] / 77, within(1e-6f));
            assertThat(logits[1]).isCloseTo(ZERO[1] / 77, within(1e-6f));
            assertThat(logits[2]).isCloseTo(ZERO[2] / 77, within(1e-6f));
            // red leads blue by (1.9303361 + 1.4802198) / 77 = 0.0443: above a margin of 0.01
            assertThat(clip.read(scene(Color.RED), subject("blue"))).containsExactly(Map.entry("top", "red"));
            assertThat(clip.read(scene(Color.BLUE), subject("blue"))).containsExactly(Map.entry("top", "blue"));
            // gender is planned but this verifier has no prompts for it: not read
        }
        try (ClipVerifier unsure = ClipVerifier.load(fixture(), sessions, PROMPTS, 0.05)) {
            assertThat(unsure.read(scene(Color.RED), subject("red")))
                    .containsExactly(Map.entry("top", Verification.UNSURE));
            assertThat(SubjectVerifier.matches(subject("red"), Map.of("top", Verification.UNSURE))).isFalse();
        }
    }

    @Test
    void preprocessingIsClipImageProcessorsWorkedByHand() {
        // PIL's bicubic, 2 -> 4 pixels, worked by hand: centres 0.25, 0.75, 1.25, 1.75; kernel weights at distance
        // 0.25 = 0.8671875, 0.75 = 0.2265625, 1.25 = -0.0703125; normalised, 255 x the second pixel's weight:
        // -22.5 -> 0, 52.8 -> 53, 202.2 -> 202, 277.5 -> 255
        assertThat(ClipImageProcessor.bicubic(0.25)).isEqualTo(0.8671875);
        assertThat(ClipImageProcessor.bicubic(0.75)).isEqualTo(0.2265625);
        assertThat(ClipImageProcessor.bicubic(1.25)).isEqualTo(-0.0703125);
        int[] row = ClipImageProcessor.resize(new int[] {0, 0, 0, 255, 255, 255}, 2, 1, 4, 1);
        assertThat(row).containsExactly(0, 0, 0, 53, 53, 53, 202, 202, 202, 255, 255, 255);

        // 448 x 224, black left half, white right half: the shorter side is already 224, so no resize; the centre
        // crop starts at column (448 - 224) / 2 = 112, so crop columns 0..111 are black and 112..223 white
        int[] rgb = new int[448 * 224 * 3];
        for (int y = 0; y < 224; y++) {
            for (int x = 224; x < 448; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * 448 + x) * 3 + c] = 255;
                }
            }
        }
        float[] pixels = ClipImageProcessor.pixelValues(rgb, 448, 224);
        assertThat(pixels).hasSize(3 * 224 * 224);
        for (int c = 0; c < 3; c++) {
            assertThat(pixels[(c * 224 + 5) * 224 + 111]).isEqualTo(ZERO[c]);
            assertThat(pixels[(c * 224 + 5) * 224 + 112]).isEqualTo(FULL[c]);
        }
        // a 64 x 128 box: shorter side 64 -> 224, longer int(224 * 128 / 64) = 448, rows (448 - 224) / 2 = 112 on
        // cropped; a uniform colour stays exact through the fixed-point weights
        BufferedImage grey = new BufferedImage(64, 128, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grey.createGraphics();
        g.setColor(new Color(255, 255, 255));
        g.fillRect(0, 0, 64, 128);
        g.dispose();
        float[] white = ClipImageProcessor.pixelValues(grey, new Box(0, 0, 64, 128));
        assertThat(white[0]).isEqualTo(FULL[0]);
        assertThat(white[2 * 224 * 224 + 224 * 224 - 1]).isEqualTo(FULL[2]);
    }

    @Test
    void promptsComeFromTheProfilesWords() {
        Map<String, Map<String, String>> prompts = ClipVerifier.prompts(Profile.named("sd15"), Lexicon.standard());
        assertThat(prompts.get("skin").get("dark")).isEqualTo("a photo of a person with dark skin");
        assertThat(prompts.get("top").get("red")).isEqualTo("a photo of a person wearing a red top");
        assertThat(prompts.get("hair").values()).allMatch(p -> p.startsWith("a photo of a person with ")
                && p.endsWith(" hair"));
        assertThat(prompts.get("gender")).containsEntry("female", "a photo of a woman");
    }

    @Test
    void aFolderThatIsNotAClipExportIsOneMessage() throws Exception {
        SessionFactory sessions = new SessionFactory(ExecutionProvider.CPU, 1);
        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ClipVerifier.load(dir.resolve("empty"), sessions))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("no tokenizer").hasMessageContaining("expected a CLIP ONNX export");
        SdFixture.writeWordLevelTokenizer(dir.resolve("tokenizer-only"), true);
        assertThatThrownBy(() -> ClipVerifier.load(dir.resolve("tokenizer-only"), sessions))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("no model.onnx, nor text_model.onnx and vision_model.onnx");
    }
}
