package dev.troupe.verify;

import dev.troupe.eval.AttributeEvaluator;
import dev.troupe.eval.FigureReader;
import dev.troupe.eval.FigureReading;
import dev.troupe.eval.Palette;
import dev.troupe.eval.Rgb;
import dev.troupe.scene.Region;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluator of {@code troupe eval} as a verifier: the figure in the box is found and its skin tone, hair colour and
 * top colour are read against the model's palette ({@code evaluation.json}, which the embedded model ships). A planned
 * value the palette does not know (a model-specific word) is not read.
 */
public final class PaletteVerifier implements SubjectVerifier {
    private final Palette palette;
    private final FigureReader reader;

    public PaletteVerifier(Palette palette) {
        this.palette = palette;
        this.reader = new FigureReader(palette);
    }

    @Override
    public String name() {
        return "palette";
    }

    @Override
    public Map<String, String> read(BufferedImage image, Region region) {
        FigureReading figure = reader.read(image, region.box());
        Map<String, String> out = new LinkedHashMap<>();
        region.attributes().forEach((dimension, planned) -> {
            String read = switch (dimension) {
                case AttributeEvaluator.SKIN -> readable(palette.skin(), planned, figure.skin());
                case AttributeEvaluator.HAIR -> readable(palette.hair(), planned, figure.hair());
                case AttributeEvaluator.TOP -> readable(palette.top(), planned, figure.top());
                default -> null;
            };
            if (read != null) {
                out.put(dimension, read);
            }
        });
        return out;
    }

    private static String readable(Map<String, Rgb> table, String planned, String read) {
        return table.containsKey(planned) ? read : null;
    }
}
