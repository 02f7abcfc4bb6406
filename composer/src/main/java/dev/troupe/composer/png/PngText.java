package dev.troupe.composer.png;

import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the text chunks (tEXt, iTXt) of a PNG: how an image gives back the plan and parameters it was made from. */
public final class PngText {
    private PngText() {
    }

    /** Keyword to text, in file order; empty when the file has none. */
    public static Map<String, String> read(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + " is not an image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                IIOMetadata metadata = reader.getImageMetadata(0);
                Map<String, String> out = new LinkedHashMap<>();
                if (metadata == null || !java.util.Arrays.asList(metadata.getMetadataFormatNames()).contains(PngWriter.FORMAT)) {
                    return out;
                }
                collect(metadata.getAsTree(PngWriter.FORMAT), out);
                return out;
            } finally {
                reader.dispose();
            }
        }
    }

    private static void collect(Node node, Map<String, String> out) {
        String name = node.getNodeName();
        if (name.equals("tEXtEntry") || name.equals("iTXtEntry")) {
            NamedNodeMap a = node.getAttributes();
            Node keyword = a.getNamedItem("keyword");
            Node value = a.getNamedItem(name.equals("tEXtEntry") ? "value" : "text");
            if (keyword != null && value != null) {
                out.put(keyword.getNodeValue(), value.getNodeValue());
            }
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            collect(c, out);
        }
    }
}
