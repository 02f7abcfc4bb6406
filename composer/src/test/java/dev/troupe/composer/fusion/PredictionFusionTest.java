package dev.troupe.composer.fusion;

import dev.troupe.composer.window.RegionWindow;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class PredictionFusionTest {

    @Test
    void fusedPredictionIsTheWeightedMeanOfWhatCoversEachPixel() {
        int c = 2, h = 4, w = 8;
        PredictionFusion f = new PredictionFusion(c, h, w);
        float[] bg = new float[c * h * w];
        Arrays.fill(bg, 1f);
        float[] ones = new float[h * w];
        Arrays.fill(ones, 1f);
        f.add(bg, 0, 0, 0, w, h, ones, 0.25f);             // background, weight 0.25 everywhere
        float[] region = new float[c * 4 * 4];
        Arrays.fill(region, 5f);
        float[] rw = new float[16];
        Arrays.fill(rw, 1f);
        f.add(region, 0, new RegionWindow(4, 0, 4, 4, rw)); // region over the right half, weight 1
        float[] out = new float[c * h * w];
        f.resolve(out);
        assertThat(out[0]).isEqualTo(1f);                                   // only background
        assertThat(out[5]).isCloseTo(4.2f, org.assertj.core.data.Offset.offset(1e-5f)); // both
        assertThat(out[h * w + 5]).isCloseTo(4.2f, org.assertj.core.data.Offset.offset(1e-5f)); // second channel
    }

    @Test
    void resetClearsTheAccumulators() {
        PredictionFusion f = new PredictionFusion(1, 2, 2);
        f.add(new float[]{1, 1, 1, 1}, 0, new RegionWindow(0, 0, 2, 2, new float[]{1, 1, 1, 1}));
        f.reset();
        float[] out = new float[4];
        f.resolve(out);
        assertThat(out).containsOnly(0f);
    }
}
