package dev.troupe.composer.predict;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class BootstrapTest {

    @Test
    void bootstrapSeedsNeverCollide() {
        // the old formula seed * 131 + region * 7 + step gave region r at step s the noise of region r + 1 at s - 7
        Set<Long> seen = new HashSet<>();
        int count = 0;
        for (long planSeed : new long[] {0, 1, 7, -1, Long.MAX_VALUE}) {
            for (int region = 0; region < 64; region++) {
                seen.add(Bootstrap.colourSeed(planSeed, region));
                count++;
                for (int step = 0; step < 300; step++) {
                    seen.add(Bootstrap.noiseSeed(planSeed, region, step));
                    count++;
                }
            }
        }
        assertThat(seen).hasSize(count);
    }
}
