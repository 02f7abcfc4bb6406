package dev.troupe.composer.pixel;

import dev.troupe.scene.Box;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LaplacianBlendTest {

    @Test
    void aMaskOfOnesGivesTheTopAndOfZerosTheBase() {
        int w = 37, h = 23;
        float[][] a = noise(w, h, 1), b = noise(w, h, 2);
        float[] ones = new float[w * h];
        Arrays.fill(ones, 1f);
        float[][] outTop = LaplacianBlend.blend(a, b, ones, w, h, 5);
        float[][] outBase = LaplacianBlend.blend(a, b, new float[w * h], w, h, 5);
        for (int i = 0; i < w * h; i++) {
            assertThat(outTop[1][i]).isCloseTo(b[1][i], within(1e-4f));
            assertThat(outBase[2][i]).isCloseTo(a[2][i], within(1e-4f));
        }
    }

    @Test
    void theTransitionIsSmootherThanAHardCut() {
        // Two flat images, black and white, with a hard mask: the Laplacian blend spreads the step over many
        // pixels, so the largest jump between neighbours is far below the full step of 1.
        int w = 64, h = 8;
        float[][] black = {new float[w * h], new float[w * h], new float[w * h]};
        float[][] white = new float[3][w * h];
        for (float[] p : white) {
            Arrays.fill(p, 1f);
        }
        float[] mask = FeatherMask.of(new Box(32, 0, 32, 8), 0, w, h);
        float[][] out = LaplacianBlend.blend(black, white, mask, w, h, 4);
        float maxJump = 0;
        for (int x = 1; x < w; x++) {
            maxJump = Math.max(maxJump, Math.abs(out[0][4 * w + x] - out[0][4 * w + x - 1]));
        }
        assertThat(maxJump).isLessThan(0.5f);
        assertThat(out[0][4 * w + 2]).isCloseTo(0f, within(0.05f));
        assertThat(out[0][4 * w + 61]).isCloseTo(1f, within(0.05f));
    }

    @Test
    void featherMaskIsOneInTheMiddleAndFadesToTheEdges() {
        float[] m = FeatherMask.of(new Box(2, 2, 10, 10), 3, 16, 16);
        assertThat(m[7 * 16 + 7]).isEqualTo(1f);
        assertThat(m[7 * 16 + 2]).isEqualTo(0.25f);
        assertThat(m[0]).isZero();
    }

    private static float[][] noise(int w, int h, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[][] p = new float[3][w * h];
        for (float[] c : p) {
            for (int i = 0; i < c.length; i++) {
                c[i] = r.nextFloat();
            }
        }
        return p;
    }
}
