package dev.troupe.composer.window;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RegionWeightsTest {

    @Test
    void weightIsOneInsideTheBoxAndFeathersToZeroOverTheMargin() {
        RegionWindow w = RegionWeights.window(new int[]{20, 0, 16, 32}, 4, 4, 112, 32, 1.0);
        assertThat(w.x()).isEqualTo(16);
        assertThat(w.width()).isEqualTo(24);
        assertThat(w.height()).isEqualTo(32);
        float[] row = new float[w.width()];
        System.arraycopy(w.weights(), 10 * w.width(), row, 0, w.width());
        assertThat(row[4]).isEqualTo(1f);              // box's left column (x = 20)
        assertThat(row[19]).isEqualTo(1f);             // box's right column (x = 35)
        assertThat(row[3]).isEqualTo(0.8f);            // one pixel outside: 1 - 1/5
        assertThat(row[0]).isEqualTo(0.2f, org.assertj.core.data.Offset.offset(1e-6f));
        for (int i = 1; i < 4; i++) {
            assertThat(row[i]).isGreaterThan(row[i - 1]); // rising towards the box
        }
    }

    @Test
    void regionWeightScalesTheWindow() {
        RegionWindow w = RegionWeights.window(new int[]{8, 8, 8, 8}, 2, 4, 64, 64, 0.5);
        assertThat(w.weights()[w.width() * 4 + 4]).isEqualTo(0.5f);
    }

    @Property
    void windowsStayInsideTheCanvasAndAreMultiplesOfTheUNetFactor(@ForAll @IntRange(min = 0, max = 100) int x,
                                                                   @ForAll @IntRange(min = 0, max = 40) int y,
                                                                   @ForAll @IntRange(min = 1, max = 30) int w,
                                                                   @ForAll @IntRange(min = 1, max = 30) int h,
                                                                   @ForAll @IntRange(min = 0, max = 8) int margin) {
        int cw = 128, ch = 72;
        w = Math.min(w, cw - x);
        h = Math.min(h, ch - y);
        if (w <= 0 || h <= 0) {
            return;
        }
        RegionWindow win = RegionWeights.window(new int[]{x, y, w, h}, margin, 8, cw, ch, 1.0);
        assertThat(win.x()).isBetween(0, cw - win.width());
        assertThat(win.y()).isBetween(0, ch - win.height());
        assertThat(win.width() % 8).isZero();
        assertThat(win.height() % 8).isZero();
        // the whole box is covered with weight 1 unless the crop had to be capped by the canvas
        if (win.width() >= w + 0 && win.x() <= x && win.x() + win.width() >= x + w
                && win.y() <= y && win.y() + win.height() >= y + h) {
            assertThat(win.weights()[(y - win.y()) * win.width() + (x - win.x())]).isEqualTo(1f);
        }
    }
}
