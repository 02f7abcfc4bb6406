package dev.troupe.eval;

import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads back from pixels what a model drew for each subject of a plan (skin tone, hair colour, top colour) and
 * the backdrop, and compares it with what the plan asked for. Works for models that ship a {@link Palette}.
 */
public final class AttributeEvaluator {
    /** Attribute names as the planner writes them into {@link Region#attributes()}. */
    public static final String SKIN = "skin";
    public static final String HAIR = "hair";
    public static final String TOP = "top";
    public static final String SCENE = "scene";
    /** Tally of skin tones read within one level of the plan's. */
    public static final String SKIN_WITHIN_ONE = "skin (within one level)";

    private final Palette palette;
    private final FigureReader reader;

    public AttributeEvaluator(Palette palette) {
        this.palette = palette;
        this.reader = new FigureReader(palette);
    }

    /** One image and the plan it was drawn from. */
    public EvaluationReport evaluate(BufferedImage image, ScenePlan plan) {
        List<EvaluationReport.Subject> subjects = new ArrayList<>();
        Map<String, Tally> tallies = new LinkedHashMap<>();
        List<String> levels = palette.skinLevels();
        for (Region region : plan.regions()) {
            FigureReading read = reader.read(image, region.box());
            Map<String, String> planned = region.attributes() == null ? Map.of() : region.attributes();
            Map<String, String> readBack = new LinkedHashMap<>();
            readBack.put(SKIN, read.skin());
            readBack.put(HAIR, read.hair());
            readBack.put(TOP, read.top());
            compare(tallies, SKIN, planned.get(SKIN), read.skin(), palette.skin().keySet().contains(planned.get(SKIN)));
            if (planned.get(SKIN) != null && levels.contains(planned.get(SKIN))) {
                boolean near = Math.abs(levels.indexOf(planned.get(SKIN)) - levels.indexOf(read.skin())) <= 1;
                tallies.computeIfAbsent(SKIN_WITHIN_ONE, k -> new Tally(0, 0));
                tallies.merge(SKIN_WITHIN_ONE, new Tally(1, near ? 1 : 0), Tally::plus);
            }
            compare(tallies, HAIR, planned.get(HAIR), read.hair(), palette.hair().containsKey(planned.get(HAIR)));
            compare(tallies, TOP, planned.get(TOP), read.top(), palette.top().containsKey(planned.get(TOP)));
            if (planned.containsKey(SCENE)) {
                String scene = readSceneAround(image, region.box(), read);
                readBack.put(SCENE, scene);
                compare(tallies, SCENE, planned.get(SCENE), scene, true);
            }
            subjects.add(new EvaluationReport.Subject(region.id(), planned, readBack, read));
        }
        String plannedScene = palette.sceneOf(plan.background());
        String readScene = null;
        if (plannedScene != null) {
            readScene = readSceneOutside(image, plan);
            compare(tallies, SCENE, plannedScene, readScene, true);
        }
        return new EvaluationReport(subjects, tallies, plannedScene, readScene);
    }

    private static void compare(Map<String, Tally> tallies, String attribute, String planned, String read,
                                boolean readable) {
        if (planned == null || !readable) {
            return; // the plan left it to the model, or asked for something this palette cannot read
        }
        tallies.merge(attribute, new Tally(1, planned.equals(read) ? 1 : 0), Tally::plus);
    }

    /** The backdrop of a whole canvas, read where no subject stands: upper 30% and lower 25% of the rows. */
    String readSceneOutside(BufferedImage image, ScenePlan plan) {
        int w = image.getWidth(), h = image.getHeight();
        double[] upper = new double[4], lower = new double[4];
        for (int pass = 0; pass < 2 && upper[3] + lower[3] == 0; pass++) {
            for (int y = 0; y < h; y++) {
                boolean isUpper = y < 0.3 * h, isLower = y >= 0.75 * h;
                if (!isUpper && !isLower) {
                    continue;
                }
                for (int x = 0; x < w; x++) {
                    if (pass == 0 && insideAnyBox(plan, x, y)) {
                        continue;
                    }
                    add(isUpper ? upper : lower, image.getRGB(x, y));
                }
            }
        }
        return nearestScene(mean(upper), mean(lower));
    }

    /** The backdrop of one subject's box, read beside the figure (for tiles as wide as they are tall). */
    String readSceneAround(BufferedImage image, Box box, FigureReading figure) {
        ModelPixelGrid g = ModelPixelGrid.of(image, box, palette.tileHeight(), 0);
        int left = figure.centreColumn() - 8, right = figure.centreColumn() + 8;
        Rgb upper = median2(g, 0, 10, left, right);
        Rgb lower = median2(g, g.rows - 8, g.rows, left, right);
        return upper == null || lower == null ? null : nearestScene(upper, lower);
    }

    private static Rgb median2(ModelPixelGrid g, int r0, int r1, int left, int right) {
        Rgb a = g.median(r0, r1, 0, left), b = g.median(r0, r1, right, g.cols);
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new Rgb((a.r() + b.r()) / 2, (a.g() + b.g()) / 2, (a.b() + b.b()) / 2);
    }

    private String nearestScene(Rgb upper, Rgb lower) {
        String best = null;
        double bestD = Double.MAX_VALUE;
        for (Map.Entry<String, Palette.SceneColours> e : palette.scenes().entrySet()) {
            double d = e.getValue().upper().distance(upper) + e.getValue().lower().distance(lower);
            if (d < bestD) {
                bestD = d;
                best = e.getKey();
            }
        }
        return best;
    }

    private static boolean insideAnyBox(ScenePlan plan, int x, int y) {
        for (Region r : plan.regions()) {
            Box b = r.box();
            if (x >= b.x() && x < b.right() && y >= b.y() && y < b.bottom()) {
                return true;
            }
        }
        return false;
    }

    private static void add(double[] acc, int p) {
        acc[0] += (p >> 16) & 0xff;
        acc[1] += (p >> 8) & 0xff;
        acc[2] += p & 0xff;
        acc[3]++;
    }

    private static Rgb mean(double[] acc) {
        double n = Math.max(1, acc[3]);
        return new Rgb(acc[0] / n, acc[1] / n, acc[2] / n);
    }
}
