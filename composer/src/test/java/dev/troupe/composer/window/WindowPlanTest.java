package dev.troupe.composer.window;

import dev.troupe.composer.window.WindowGroup.Phase;
import dev.troupe.renderer.UNet;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the background runs once regions are placed ({@link BackgroundTrim}), on an SD-shaped latent canvas. */
class WindowPlanTest {

    /** SD 1.5 proportions at 256 px native: 8 pixels per latent, crops a multiple of 8, 32-latent tiles. */
    private static final LatentCanvas CANVAS = new LatentCanvas(4, 32, 96, 8, 8, 32);
    /** The default background weight: regions cover a pixel from 4 x 0.05 = 0.2 on (the background's share 1/5). */
    private static final double BACKGROUND = 0.05;
    private static final float COVERED = 0.2f;

    private static ScenePlan plan(List<Region> regions) {
        return new ScenePlan(1, null, CANVAS.width() * 8, CANVAS.height() * 8, "a park", "", 7, "m", "sd15", "row",
                regions);
    }

    private static Region region(int i, Box box, double weight) {
        return new Region("s" + i, box, "a person", "", 100 + i, weight, Map.of(), List.of());
    }

    /** n boxes side by side over the whole canvas height, {@code gap} image pixels apart, centred. */
    private static List<Region> row(int n, int boxWidth, int gap, int top, int height) {
        int total = n * boxWidth + (n - 1) * gap;
        int left = (CANVAS.width() * 8 - total) / 2;
        List<Region> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(region(i, new Box(left + i * (boxWidth + gap), top, boxWidth, height), 1.0));
        }
        return out;
    }

    private static WindowPlan windows(List<Region> regions, boolean trim) {
        List<UNet> unets = Collections.nCopies(regions.size(), null);
        return WindowPlan.of(plan(regions), CANVAS, -1, null, unets, trim, BACKGROUND);
    }

    /** The background's summed weight per latent pixel at a step of this phase. */
    private static float[] backgroundWeight(WindowPlan plan, boolean bootstrapping) {
        float[] w = new float[CANVAS.width() * CANVAS.height()];
        for (WindowGroup g : plan.groups()) {
            if (!g.runsAt(bootstrapping)) {
                continue;
            }
            for (PromptWindow p : g.windows()) {
                if (p.background()) {
                    RegionWindow win = p.window();
                    for (int j = 0; j < win.height(); j++) {
                        for (int i = 0; i < win.width(); i++) {
                            w[(win.y() + j) * CANVAS.width() + win.x() + i] += win.weights()[j * win.width() + i];
                        }
                    }
                }
            }
        }
        return w;
    }

    private static long backgroundArea(WindowPlan plan, boolean bootstrapping) {
        long area = 0;
        for (WindowGroup g : plan.groups()) {
            if (g.runsAt(bootstrapping)) {
                area += g.windows().stream().filter(PromptWindow::background).mapToLong(p -> p.window().area()).sum();
            }
        }
        return area;
    }

    @Test
    void withoutRegionsTheTilesAreTheSameWithOrWithoutTrimming() {
        WindowPlan trimmed = windows(List.of(), true);
        WindowPlan full = windows(List.of(), false);
        assertThat(trimmed.groups()).hasSize(1);
        assertThat(trimmed.groups().get(0).phase()).isEqualTo(Phase.ALL);
        assertSameWindows(trimmed.groups().get(0), full.groups().get(0));
    }

    private static void assertSameWindows(WindowGroup a, WindowGroup b) {
        assertThat(a.windows()).hasSameSizeAs(b.windows());
        for (int i = 0; i < a.windows().size(); i++) {
            RegionWindow x = a.windows().get(i).window(), y = b.windows().get(i).window();
            assertThat(new int[] {x.x(), x.y(), x.width(), x.height()})
                    .isEqualTo(new int[] {y.x(), y.y(), y.width(), y.height()});
            assertThat(x.weights()).isEqualTo(y.weights());
        }
    }

    @Test
    void boxesOverTheWholeCanvasLeaveTheBackgroundNothingToDo() {
        // 5 boxes of 96 px abutting, from x = 144 to 624, full height: latent 18..78 is covered by a box; the two ends
        // (0..17 and 78..95) lie in the outer tiles, so the 2 inner tiles (x 21..52 and 43..74, of 4) are dropped
        WindowPlan plan = windows(row(5, 96, 0, 0, 256), true);
        float[] boot = backgroundWeight(plan, true);
        float[] after = backgroundWeight(plan, false);
        for (int y = 0; y < CANVAS.height(); y++) {
            for (int x = 22; x < 74; x++) {
                assertThat(after[y * CANVAS.width() + x]).as("x %d", x).isZero();
                assertThat(boot[y * CANVAS.width() + x]).as("x %d", x).isZero();
            }
        }
        // tiles are 32 x 32 = 1024 latent pixels; 4 of them before, the two outer ones at most after
        assertThat(windows(row(5, 96, 0, 0, 256), false).tileArea()).isEqualTo(4 * 1024);
        assertThat(backgroundArea(plan, false)).isLessThanOrEqualTo(2 * 1024);
    }

    @Test
    void thePlannersLayoutLeavesTheBackgroundTheEndsOfTheCanvasOnly() {
        // the planner's 768x256 layout of 5 subjects (sd15 profile): boxes 96x192 with gaps of 9-20 px and strips
        // of about 30 px above and below; their margins (48 px) reach over the gaps and strips, so after bootstrapping
        // the background keeps the two ends beyond the margins, and while bootstrapping (boxes only) the strips too
        int[] xs = {114, 228, 333, 447, 563};
        int[] ys = {28, 35, 30, 30, 33};
        List<Region> planned = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            planned.add(region(i, new Box(xs[i], ys[i], 96, 192), 1.0));
        }
        WindowPlan plan = windows(planned, true);
        assertThat(backgroundArea(plan, false)).isEqualTo(2 * 16 * 32); // the two end tiles, cut to 16 x 32
        assertThat(backgroundArea(plan, true)).isEqualTo(4 * 32 * 32); // the strips keep every tile whole
        float[] after = backgroundWeight(plan, false);
        for (int y = 0; y < CANVAS.height(); y++) {
            for (int x = 16; x < 80; x++) {
                assertThat(after[y * CANVAS.width() + x]).as("x %d y %d", x, y).isZero();
            }
        }
    }

    @Test
    void regionsWeightedDownDoNotCoverAndLeaveTheTilesAsTheyWere() {
        List<Region> light = new ArrayList<>();
        for (Region r : row(5, 96, 0, 0, 256)) {
            light.add(region(light.size(), r.box(), 0.05));
        }
        WindowPlan trimmed = windows(light, true);
        WindowPlan full = windows(light, false);
        assertSameWindows(trimmed.groups().get(0), full.groups().get(0));
        assertThat(trimmed.groups()).hasSameSizeAs(full.groups());
    }

    /**
     * The invariant that keeps the result: wherever the regions' weights add up to less than 0.2, the background keeps
     * its full weight (the sum of the untrimmed tiles' ramps), in both phases; nowhere is it left without weight
     * unless the regions cover that pixel; every crop is a multiple of 8 inside its tile.
     */
    @Property(tries = 200)
    void theBackgroundKeepsItsFullWeightWhereverRegionsLeaveRoom(
            @ForAll @IntRange(min = 1, max = 6) int n, @ForAll @IntRange(min = 48, max = 150) int boxWidth,
            @ForAll @IntRange(min = 0, max = 40) int gap, @ForAll @IntRange(min = 0, max = 64) int top,
            @ForAll @IntRange(min = 64, max = 256) int height, @ForAll boolean bootstrapping) {
        if (n * boxWidth + (n - 1) * gap > CANVAS.width() * 8 || top + height > 256) {
            return;
        }
        List<Region> regions = row(n, boxWidth, gap, top, height);
        WindowPlan trimmed = windows(regions, true);
        float[] full = backgroundWeight(windows(regions, false), bootstrapping);
        float[] kept = backgroundWeight(trimmed, bootstrapping);
        List<PromptWindow> regionWindows = new ArrayList<>();
        trimmed.groups().forEach(g -> g.windows().stream().filter(p -> !p.background()).forEach(regionWindows::add));
        float[] cover = BackgroundTrim.coverage(regionWindows, CANVAS.width(), CANVAS.height(), bootstrapping);
        for (int p = 0; p < cover.length; p++) {
            if (cover[p] < COVERED) {
                assertThat(kept[p]).as("pixel %d", p).isEqualTo(full[p]);
            }
            assertThat(kept[p]).isLessThanOrEqualTo(full[p]);
            assertThat(kept[p] + cover[p]).isGreaterThan(0f);
        }
        for (WindowGroup g : trimmed.groups()) {
            assertThat(g.height() % 8).isZero();
            assertThat(g.width() % 8).isZero();
            if (g.windows().get(0).background()) {
                assertThat(g.height()).isLessThanOrEqualTo(32);
                assertThat(g.width()).isLessThanOrEqualTo(32);
            }
        }
        assertThat(backgroundArea(trimmed, bootstrapping)).isLessThanOrEqualTo(trimmed.tileArea());
    }
}
