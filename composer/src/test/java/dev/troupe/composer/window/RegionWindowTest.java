package dev.troupe.composer.window;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RegionWindowTest {

    @Test
    void aCropReadsTheWindowsPixelsOfEveryChannel() {
        int c = 2, h = 3, w = 4;
        float[] canvas = new float[c * h * w];
        for (int i = 0; i < canvas.length; i++) {
            canvas[i] = i;
        }
        float[] dst = new float[1 + c * 2 * 2];
        new RegionWindow(1, 1, 2, 2, new float[4]).crop(canvas, c, h, w, dst, 1);
        assertThat(dst).containsExactly(0, 5, 6, 9, 10, 17, 18, 21, 22);
    }
}
