package dev.troupe.composer.composite;

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
        float[] mask = FeatherMask.around(new Box(32, 0, 32, 8), 0, w, h);
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
    void featherMaskIsOneInTheBoxAndFadesOutsideIt() {
        // box x 4..11, y 4..11 on 16x16, feather 3: 1 - d / 4 at d pixels outside
        float[] m = FeatherMask.around(new Box(4, 4, 8, 8), 3, 16, 16);
        assertThat(m[7 * 16 + 7]).isEqualTo(1f);
        assertThat(m[7 * 16 + 4]).isEqualTo(1f);
        assertThat(m[7 * 16 + 3]).isEqualTo(0.75f);
        assertThat(m[7 * 16 + 1]).isEqualTo(0.25f);
        assertThat(m[7 * 16]).isZero();
        assertThat(m[3 * 16 + 3]).isEqualTo(0.75f * 0.75f);
        assertThat(m[0]).isZero();
    }

    @Test
    void featherMaskNeverFadesTowardsTheCanvasEdge() {
        // a box touching the top edge (every embedded-profile subject: the head) and one touching the right edge
        int w = 16, h = 16;
        float[] top = FeatherMask.around(new Box(5, 0, 6, 10), 3, w, h);
        for (int x = 5; x < 11; x++) {
            assertThat(top[x]).as("top edge, x %d", x).isEqualTo(1f);
            assertThat(top[9 * w + x]).isEqualTo(1f);
            assertThat(top[10 * w + x]).as("below the box: a neighbour side").isEqualTo(0.75f);
        }
        assertThat(top[4]).as("left of the box on the top row").isEqualTo(0.75f);
        assertThat(top[13 * w + 7]).isZero();
        float[] right = FeatherMask.around(new Box(10, 4, 6, 6), 3, w, h);
        for (int y = 4; y < 10; y++) {
            assertThat(right[y * w + 15]).as("right edge, y %d", y).isEqualTo(1f);
            assertThat(right[y * w + 9]).isEqualTo(0.75f);
        }
        float[] corner = FeatherMask.around(new Box(0, 0, 16, 16), 5, w, h);
        for (float v : corner) {
            assertThat(v).isEqualTo(1f);
        }
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
