package dev.troupe.composer.window;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CanvasTilesTest {

    @Test
    void aCanvasNoLargerThanOneTileIsOneTileOfFullWeight() {
        List<RegionWindow> t = CanvasTiles.cover(32, 32, 32, 8);
        assertThat(t).hasSize(1);
        assertThat(t.get(0).weights()).containsOnly(1f);
    }

    @Property
    void tilesCoverEveryPixelWithPositiveWeightAndStayInside(@ForAll @IntRange(min = 8, max = 200) int w,
                                                              @ForAll @IntRange(min = 8, max = 120) int h,
                                                              @ForAll @IntRange(min = 0, max = 12) int overlap) {
        int tile = 32;
        float[] cover = new float[w * h];
        for (RegionWindow win : CanvasTiles.cover(w, h, tile, overlap)) {
            assertThat(win.x() + win.width()).isLessThanOrEqualTo(w);
            assertThat(win.y() + win.height()).isLessThanOrEqualTo(h);
            assertThat(win.width()).isLessThanOrEqualTo(tile);
            for (int j = 0; j < win.height(); j++) {
                for (int i = 0; i < win.width(); i++) {
                    cover[(win.y() + j) * w + win.x() + i] += win.weights()[j * win.width() + i];
                }
            }
        }
        for (float c : cover) {
            assertThat(c).isGreaterThan(0f);
        }
    }
}
