package dev.troupe.composer.png;

import dev.troupe.renderer.RgbImage;

import javax.imageio.IIOImage;
import dev.troupe.composer.Images;
import dev.troupe.scene.AtomicFiles;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes an image as PNG with its provenance: the whole plan as JSON in an iTXt chunk under {@value #PLAN_KEY}, and
 * the A1111-style {@value #PARAMETERS_KEY} text (tEXt when it is Latin-1, else iTXt). The file is written to a
 * temporary file in the same folder and renamed into place, so a reader never sees half an image.
 */
public final class PngWriter {

    public static final String PLAN_KEY = "troupe-plan";
    public static final String PARAMETERS_KEY = "parameters";
    static final String FORMAT = "javax_imageio_png_1.0";

    private PngWriter() {
    }

    /**
     * @param planJson   the plan as JSON, or null to leave it out
     * @param parameters A1111 parameters text, or null to leave it out
     */
    public static void write(Path target, RgbImage image, String planJson, String parameters) throws IOException {
        write(target, Images.toBuffered(image), planJson, parameters);
    }

    /** As {@link #write(Path, RgbImage, String, String)}, for an image drawn with Java2D (e.g. an overlay). */
    public static void write(Path target, BufferedImage image, String planJson, String parameters) throws IOException {
        AtomicFiles.write(target, encode(image, planJson, parameters));
    }

    /** The PNG file's bytes. */
    public static byte[] encode(BufferedImage image, String planJson, String parameters) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
            IIOMetadataNode root = new IIOMetadataNode(FORMAT);
            IIOMetadataNode itxt = new IIOMetadataNode("iTXt");
            IIOMetadataNode text = new IIOMetadataNode("tEXt");
            if (planJson != null) {
                itxt.appendChild(itxtEntry(PLAN_KEY, planJson));
            }
            if (parameters != null) {
                if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(parameters)) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", PARAMETERS_KEY);
                    entry.setAttribute("value", parameters);
                    text.appendChild(entry);
                } else {
                    itxt.appendChild(itxtEntry(PARAMETERS_KEY, parameters));
                }
            }
            if (text.hasChildNodes()) {
                root.appendChild(text);
            }
            if (itxt.hasChildNodes()) {
                root.appendChild(itxt);
            }
            metadata.mergeTree(FORMAT, root);
            writer.write(null, new IIOImage(image, null, metadata), param);
        } catch (IIOInvalidTreeException e) {
            throw new IOException("cannot build PNG text chunks: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static IIOMetadataNode itxtEntry(String keyword, String value) {
        IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
        entry.setAttribute("keyword", keyword);
        entry.setAttribute("compressionFlag", "FALSE");
        entry.setAttribute("compressionMethod", "0");
        entry.setAttribute("languageTag", "");
        entry.setAttribute("translatedKeyword", "");
        entry.setAttribute("text", value);
        return entry;
    }

}
