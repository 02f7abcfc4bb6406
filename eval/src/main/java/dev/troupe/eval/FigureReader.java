package dev.troupe.eval;

import dev.troupe.scene.Box;

import java.awt.image.BufferedImage;

/**
 * Finds the figure inside a subject's box and reads its skin tone, hair colour and top colour from the pixels.
 *
 * <p>The figure's geometry is that of the training drawings (models/train/figures.py), in model pixels relative
 * to the figure's centre column {@code cx} and the top of its hair {@code ty}: hair cap rows 0-1 over columns
 * -3..2, face rows 1-7 over -3..2 (we read its core, rows 3-6 over -2..1), torso rows 9-16 over -5..4 (we read rows
 * 14-16 over -4..3, below the jersey's number patch). The reader tries every placement near the box's centre and
 * keeps the one where these patches are flattest, the face is most skin-like and the figure stands out from what is
 * above its head: a figure is flat patches of distinct colours, a backdrop is not shaped like one.
 */
public final class FigureReader {
    private static final int SEARCH_COLUMNS = 4;
    private static final int MAX_TOP_ROW = 6;

    private final Palette palette;

    public FigureReader(Palette palette) {
        this.palette = palette;
    }

    public FigureReading read(BufferedImage image, Box box) {
        ModelPixelGrid g = ModelPixelGrid.of(image, box, palette.tileHeight(), SEARCH_COLUMNS + 2);
        FigureReading best = null;
        for (int ty = 0; ty <= MAX_TOP_ROW; ty++) {
            for (int cx = g.boxCentre() - SEARCH_COLUMNS; cx <= g.boxCentre() + SEARCH_COLUMNS; cx++) {
                FigureReading r = fit(g, cx, ty);
                if (r != null && (best == null || r.fit() < best.fit())) {
                    best = r;
                }
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("box " + box + " is outside the image");
        }
        return best;
    }

    private FigureReading fit(ModelPixelGrid g, int cx, int ty) {
        Rgb hair = g.median(ty, ty + 2, cx - 3, cx + 3);
        Rgb face = g.median(ty + 3, ty + 7, cx - 2, cx + 2);
        Rgb torso = g.median(ty + 14, ty + 17, cx - 4, cx + 4);
        if (hair == null || face == null || torso == null) {
            return null;
        }
        double score = g.spread(ty, ty + 2, cx - 3, cx + 3)
                + g.spread(ty + 3, ty + 7, cx - 2, cx + 2)
                + g.spread(ty + 14, ty + 17, cx - 4, cx + 4)
                + 0.5 * Palette.distanceToNearest(palette.skin(), face)
                - 0.3 * Math.min(60, face.distance(torso));
        Rgb above = ty > 0 ? g.median(ty - 1, ty, cx - 3, cx + 3) : null;
        if (above != null) {
            score -= 0.3 * Math.min(60, above.distance(hair));
        }
        return new FigureReading(cx - g.pad, ty, Palette.nearest(palette.skin(), face),
                Palette.nearest(palette.hair(), hair), Palette.nearest(palette.top(), torso), score);
    }
}
