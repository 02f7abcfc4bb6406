package dev.troupe.renderer.noise;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GaussianNoiseTest {

    @Property(tries = 50)
    void rawBitsAreSplitMix64AsInTheJdk(@ForAll long seed) {
        GaussianNoise noise = new GaussianNoise(seed);
        SplittableRandom jdk = new SplittableRandom(seed);
        for (int i = 0; i < 8; i++) {
            assertThat(noise.nextLong()).isEqualTo(jdk.nextLong());
        }
    }

    @Test
    void firstNumbersAreBoxMullerOfTheFirstTwoUniforms() {
        SplittableRandom bits = new SplittableRandom(1234);
        double u1 = 1.0 - (bits.nextLong() >>> 11) * 0x1.0p-53;
        double u2 = (bits.nextLong() >>> 11) * 0x1.0p-53;
        double r = Math.sqrt(-2 * Math.log(u1));
        GaussianNoise noise = new GaussianNoise(1234);
        assertThat(noise.nextGaussian()).isCloseTo(r * Math.cos(2 * Math.PI * u2), within(1e-12));
        assertThat(noise.nextGaussian()).isCloseTo(r * Math.sin(2 * Math.PI * u2), within(1e-12));
    }

    @Test
    void sameSeedSameNumbersAndStandardMoments() {
        float[] a = new float[200_000];
        float[] b = new float[200_000];
        new GaussianNoise(99).fill(a, 1.0);
        new GaussianNoise(99).fill(b, 1.0);
        assertThat(a).isEqualTo(b);
        double mean = 0;
        double square = 0;
        for (float v : a) {
            mean += v;
            square += v * v;
        }
        mean /= a.length;
        square /= a.length;
        assertThat(mean).isCloseTo(0, within(0.01));
        assertThat(square - mean * mean).isCloseTo(1, within(0.01));
        float[] c = new float[10];
        new GaussianNoise(100).fill(c, 1.0);
        assertThat(c).isNotEqualTo(java.util.Arrays.copyOf(a, 10));
    }
}
