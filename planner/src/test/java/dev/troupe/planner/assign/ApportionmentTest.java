package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ApportionmentTest {

    @Property(tries = 500)
    void eachCountIsFloorOrCeilingOfItsTargetAndCountsAddUp(
            @ForAll @Size(min = 1, max = 12) List<@DoubleRange(min = 0, max = 100) Double> weights,
            @ForAll @IntRange(min = 0, max = 200) int n, @ForAll long seed) {
        weights.set(0, weights.get(0) + 0.5); // at least one positive weight
        Map<String, Double> shares = new LinkedHashMap<>();
        for (int i = 0; i < weights.size(); i++) {
            shares.put("v" + i, weights.get(i));
        }
        Distribution distribution = new Distribution(shares);
        Map<String, Integer> counts = Apportionment.largestRemainder(n, distribution, new Random(seed));
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(n);
        for (Map.Entry<String, Integer> count : counts.entrySet()) {
            double target = n * distribution.share(count.getKey());
            assertThat((double) count.getValue()).isBetween(Math.floor(target - 1e-9), Math.ceil(target + 1e-9));
        }
    }

    @Property(tries = 100)
    void sameSeedSameCounts(@ForAll @IntRange(min = 1, max = 50) int n, @ForAll long seed) {
        Distribution uniform = Distribution.uniform(List.of("pale", "light", "medium", "tan", "brown", "dark"));
        assertThat(Apportionment.largestRemainder(n, uniform, new Random(seed)))
                .isEqualTo(Apportionment.largestRemainder(n, uniform, new Random(seed)));
    }

    @Property(tries = 50)
    void exactSharesNeedNoRounding(@ForAll @IntRange(min = 1, max = 20) int k, @ForAll long seed) {
        Distribution thirds = Distribution.uniform(List.of("a", "b", "c"));
        assertThat(Apportionment.largestRemainder(3 * k, thirds, new Random(seed)).values()).containsOnly(k);
        Distribution sixtyForty = new Distribution(Map.of("red", 0.6, "blue", 0.4));
        assertThat(Apportionment.largestRemainder(5 * k, sixtyForty, new Random(seed)))
                .containsEntry("red", 3 * k).containsEntry("blue", 2 * k);
    }
}
