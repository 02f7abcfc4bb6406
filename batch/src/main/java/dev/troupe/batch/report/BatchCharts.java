package dev.troupe.batch.report;

import dev.troupe.batch.run.BatchRunner;
import dev.troupe.batch.store.BatchStore;
import dev.troupe.composer.png.PngWriter;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The batch's pictures, drawn with Java2D: the distribution chart and the contact sheets. */
final class BatchCharts {
    /** Images per contact sheet; more make further sheets, so that no sheet grows without bound. */
    static final int PER_SHEET = 100;
    private static final int CELL = 160;
    private static final int LABEL = 16;
    private static final int COLUMNS = 10;

    private BatchCharts() {
    }

    /**
     * One panel per dimension, one row per value: a filled bar for the realized share (planned when nothing was
     * drawn), under it a thin blue bar for the verified rendered share (what the verifier read, with --verify), and a
     * black tick at the target share where the manifest sets a quota.
     */
    static byte[] distributions(List<BatchReport.Row> rows) throws IOException {
        Map<String, List<BatchReport.Row>> byDim = new LinkedHashMap<>();
        rows.forEach(r -> byDim.computeIfAbsent(r.dimension(), d -> new ArrayList<>()).add(r));
        int width = 720;
        int rowHeight = 20;
        int height = 40;
        for (List<BatchReport.Row> dim : byDim.values()) {
            height += 30 + rowHeight * dim.size();
        }
        BufferedImage image = new BufferedImage(width, Math.max(80, height), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString("attribute distributions: bar = realized share, blue = verified rendered share, tick = target", 10, 22);
            int y = 40;
            int barX = 200;
            int barW = 380;
            for (Map.Entry<String, List<BatchReport.Row>> dim : byDim.entrySet()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
                g.setColor(Color.BLACK);
                g.drawString(dim.getKey() + (dim.getValue().get(0).share() != null ? " (quota)" : ""), 10, y + 18);
                y += 26;
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                for (BatchReport.Row row : dim.getValue()) {
                    boolean drawn = row.realizedOf() > 0;
                    int count = drawn ? row.realized() : row.planned();
                    int of = drawn ? row.realizedOf() : row.plannedOf();
                    double share = of == 0 ? 0 : count / (double) of;
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(row.value(), 24, y + 14);
                    g.setColor(new Color(0xE8E8E8));
                    g.fillRect(barX, y + 3, barW, rowHeight - 6);
                    g.setColor(row.share() == null ? new Color(0x8A8A8A)
                            : drawn ? (row.withinRealized() ? new Color(0x3C8D5A) : new Color(0xC0392B))
                            : (row.withinPlanned() ? new Color(0x3C8D5A) : new Color(0xC0392B)));
                    g.fillRect(barX, y + 3, (int) Math.round(barW * share), rowHeight - 6);
                    String label = String.format(Locale.ROOT, "%d / %d", count, of);
                    if (row.verified() != null) {
                        g.setColor(new Color(0x2E6DB4));
                        g.fillRect(barX, y + rowHeight - 6, (int) Math.round(barW * row.verified()
                                / (double) Math.max(1, row.verifiedOf())), 3);
                        label += String.format(Locale.ROOT, ", verified %d", row.verified());
                    }
                    if (row.share() != null) {
                        int tick = barX + (int) Math.round(barW * row.share());
                        g.setColor(Color.BLACK);
                        g.setStroke(new BasicStroke(2));
                        g.drawLine(tick, y + 1, tick, y + rowHeight - 1);
                        label += String.format(Locale.ROOT, "  (target %d)", row.target());
                    }
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(label, barX + barW + 8, y + 14);
                    y += rowHeight;
                }
                y += 4;
            }
        } finally {
            g.dispose();
        }
        return PngWriter.encode(image, null, null);
    }

    /** contact-sheet.png (or contact-sheet-2.png... past {@value #PER_SHEET} images): thumbnails with their names. */
    static List<String> contactSheets(BatchStore store, String suffix, List<BatchRunner.Outcome> outcomes) throws IOException {
        List<BatchRunner.Outcome> done = outcomes.stream().filter(BatchRunner.Outcome::ok).toList();
        List<String> written = new ArrayList<>();
        for (int start = 0, sheet = 1; start < done.size(); start += PER_SHEET, sheet++) {
            List<BatchRunner.Outcome> part = done.subList(start, Math.min(done.size(), start + PER_SHEET));
            int columns = Math.min(COLUMNS, part.size());
            int rows = (part.size() + columns - 1) / columns;
            BufferedImage sheetImage = new BufferedImage(columns * CELL, rows * (CELL + LABEL), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = sheetImage.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, sheetImage.getWidth(), sheetImage.getHeight());
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                for (int i = 0; i < part.size(); i++) {
                    BatchRunner.Outcome o = part.get(i);
                    int x = (i % columns) * CELL;
                    int y = (i / columns) * (CELL + LABEL);
                    byte[] file = store.read(BatchRunner.SCENES + "/" + o.sidecar().path("files").path("image").path("file").asText());
                    BufferedImage image = file == null ? null : ImageIO.read(new java.io.ByteArrayInputStream(file));
                    if (image != null) {
                        double scale = Math.min((CELL - 8) / (double) image.getWidth(), (CELL - 8) / (double) image.getHeight());
                        int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
                        int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
                        g.drawImage(image, x + (CELL - w) / 2, y + (CELL - h) / 2, w, h, null);
                    }
                    g.setColor(Color.DARK_GRAY);
                    String name = o.job().name();
                    while (name.length() > 3 && g.getFontMetrics().stringWidth(name) > CELL - 6) {
                        name = name.substring(0, name.length() - 2) + "…";
                    }
                    g.drawString(name, x + 3, y + CELL + LABEL - 4);
                }
            } finally {
                g.dispose();
            }
            String stem = done.size() <= PER_SHEET ? "contact-sheet" : "contact-sheet-" + sheet;
            String target = stem + suffix + ".png";
            store.write(target, PngWriter.encode(sheetImage, null, null));
            written.add(target);
        }
        return written;
    }
}
