package dev.troupe.composer.overlay;

import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The picture with each subject's box outlined and labelled with its id and attributes: how a user checks at a
 * glance that every subject got what the plan gave it.
 */
public final class BoxesOverlay {
    private static final Color[] COLOURS = {new Color(0xE6194B), new Color(0x3CB44B), new Color(0xFFE119),
            new Color(0x4363D8), new Color(0xF58231), new Color(0x911EB4), new Color(0x46F0F0), new Color(0xF032E6)};

    private BoxesOverlay() {
    }

    public static BufferedImage draw(BufferedImage image, ScenePlan plan) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int fontSize = Math.max(9, Math.min(14, image.getHeight() / 24));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, fontSize));
            FontMetrics fm = g.getFontMetrics();
            int i = 0;
            for (Region r : plan.regions()) {
                Color c = COLOURS[i++ % COLOURS.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                g.drawRect(r.box().x() + 1, r.box().y() + 1, r.box().w() - 2, r.box().h() - 2);
                int y = r.box().y() + 2;
                for (String line : label(r)) {
                    int tw = fm.stringWidth(line);
                    g.setColor(new Color(0, 0, 0, 160));
                    g.fillRect(r.box().x() + 2, y, tw + 4, fm.getHeight());
                    g.setColor(Color.WHITE);
                    g.drawString(line, r.box().x() + 4, y + fm.getAscent());
                    y += fm.getHeight();
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** First line the id, then one line per attribute value: boxes are narrow and tall. */
    static java.util.List<String> label(Region r) {
        Map<String, String> a = r.attributes() == null ? Map.of() : r.attributes();
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add(r.id());
        lines.addAll(a.entrySet().stream().map(e -> e.getKey().equals("skin") || e.getKey().equals("top")
                || e.getKey().equals("hair") ? e.getKey() + ":" + e.getValue() : e.getValue())
                .collect(Collectors.toList()));
        return lines;
    }
}
