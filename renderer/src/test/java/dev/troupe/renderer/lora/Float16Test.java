package dev.troupe.renderer.lora;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Float16Test {
    @Test
    void everyHalfValueSurvivesWideningAndNarrowing() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Float16.toFloat((short) bits);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(f)))).isTrue();
            } else {
                assertThat(Float16.fromFloat(f) & 0xFFFF).as("bits %04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void knownValues() {
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00); // rounds up to infinity
        assertThat(Float16.fromFloat(0.1f)).isEqualTo((short) 0x2E66);
        assertThat(Float16.fromFloat(1e-8f)).isEqualTo((short) 0);
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(1.5f))).isEqualTo(1.5f);
    }

    /** Narrowing picks the nearest half value (ties to even): no half value lies strictly closer. */
    @Property(tries = 2000)
    void narrowingIsNearest(@ForAll float value) {
        if (Float.isNaN(value) || Math.abs(value) > 65504f) {
            return;
        }
        short h = Float16.fromFloat(value);
        double chosen = Float16.toFloat(h);
        double next = Float16.toFloat((short) (h + 1));
        double previous = Float16.toFloat((short) (h - 1));
        double error = Math.abs(chosen - value);
        if (!Double.isNaN(next) && !Double.isInfinite(next)) {
            assertThat(error).isLessThanOrEqualTo(Math.abs(next - value));
        }
        if ((h & 0x7FFF) != 0 && !Double.isNaN(previous)) {
            assertThat(error).isLessThanOrEqualTo(Math.abs(previous - value));
        }
    }
}
