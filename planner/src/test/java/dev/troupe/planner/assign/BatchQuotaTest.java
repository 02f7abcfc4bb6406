package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class BatchQuotaTest {

    private static Distribution distribution(List<Integer> weights) {
        Map<String, Double> shares = new LinkedHashMap<>();
        for (int i = 0; i < weights.size(); i++) {
            shares.put("v" + i, (double) weights.get(i));
        }
        shares.put("v0", shares.get("v0") + 1); // at least one positive weight
        return new Distribution(shares);
    }

    private static List<BatchQuota.Scene> freeScenes(List<Integer> sizes) {
        return sizes.stream().map(f -> new BatchQuota.Scene(f, Map.of())).toList();
    }

    private static int total(BatchQuota.Allocation a, String value) {
        return a.scenes().stream().mapToInt(s -> s.get(value)).sum();
    }

    @Property(tries = 400)
    void batchTotalsAreFloorOrCeilingOfTheTargetsAndEverySceneIsAsEvenAsItCanBe(
            @ForAll @Size(min = 1, max = 7) List<@IntRange(min = 0, max = 9) Integer> weights,
            @ForAll @Size(min = 0, max = 60) List<@IntRange(min = 0, max = 12) Integer> sizes,
            @ForAll long seed) {
        Distribution target = distribution(weights);
        BatchQuota.Allocation a = BatchQuota.allocate(target, freeScenes(sizes), seed);
        int n = sizes.stream().mapToInt(Integer::intValue).sum();
        assertThat(a.scenes()).hasSize(sizes.size());
        for (String v : target.shares().keySet()) {
            double aim = n * target.share(v);
            assertThat(total(a, v)).as("total of %s", v).isEqualTo(a.targets().get(v))
                    .isBetween((int) Math.floor(aim - 1e-9), (int) Math.ceil(aim + 1e-9));
        }
        for (int j = 0; j < sizes.size(); j++) {
            Map<String, Integer> scene = a.scenes().get(j);
            assertThat(scene.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(sizes.get(j));
            for (String v : target.shares().keySet()) {
                // the scene's share of the batch total, rounded down or up: never more uneven than that
                double fair = n == 0 ? 0 : sizes.get(j) * (double) a.targets().get(v) / n;
                assertThat(scene.get(v)).as("scene %d, %s", j, v)
                        .isBetween((int) Math.floor(fair + 1e-9), (int) Math.ceil(fair - 1e-9));
            }
        }
    }

    @Property(tries = 300)
    void pinnedSubjectsCountTowardsTheTotalsAndTheFreeOnesMakeUpTheRest(
            @ForAll @Size(min = 2, max = 5) List<@IntRange(min = 0, max = 9) Integer> weights,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 8) Integer> sizes,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 3) Integer> pins,
            @ForAll long seed) {
        Distribution target = distribution(weights);
        List<String> values = new ArrayList<>(target.shares().keySet());
        List<BatchQuota.Scene> scenes = new ArrayList<>();
        Map<String, Integer> pinnedTotals = new LinkedHashMap<>();
        for (int j = 0; j < sizes.size(); j++) {
            int pin = pins.get(j % pins.size());
            Map<String, Integer> pinned = pin == 0 ? Map.of() : Map.of(values.get(j % values.size()), pin);
            pinned.forEach((v, c) -> pinnedTotals.merge(v, c, Integer::sum));
            scenes.add(new BatchQuota.Scene(sizes.get(j), pinned));
        }
        BatchQuota.Allocation a = BatchQuota.allocate(target, scenes, seed);
        for (int j = 0; j < sizes.size(); j++) {
            assertThat(a.scenes().get(j).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(sizes.get(j));
        }
        boolean reachable = values.stream().allMatch(v -> pinnedTotals.getOrDefault(v, 0) <= a.targets().get(v));
        for (String v : values) {
            int realized = total(a, v) + pinnedTotals.getOrDefault(v, 0);
            if (reachable) {
                assertThat(realized).as("total of %s", v).isEqualTo(a.targets().get(v));
            } else {
                // a pin overshoots: the free subjects never push any value further past its target
                assertThat(total(a, v)).isLessThanOrEqualTo(Math.max(0, a.targets().get(v) - pinnedTotals.getOrDefault(v, 0)));
            }
        }
    }

    @Property(tries = 50)
    void sameSeedSameAllocation(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 9) Integer> sizes,
                                @ForAll long seed) {
        Distribution target = Distribution.uniform(List.of("light", "medium", "dark"));
        assertThat(BatchQuota.allocate(target, freeScenes(sizes), seed))
                .isEqualTo(BatchQuota.allocate(target, freeScenes(sizes), seed));
    }

    @Test
    void singleSubjectScenesShareTheValuesOutExactly() {
        Distribution target = Distribution.uniform(List.of("light", "medium", "dark"));
        BatchQuota.Allocation a = BatchQuota.allocate(target, freeScenes(List.of(1, 1, 1, 1, 1, 1)), 3);
        assertThat(a.targets()).containsEntry("light", 2).containsEntry("medium", 2).containsEntry("dark", 2);
        for (String v : target.shares().keySet()) {
            assertThat(total(a, v)).isEqualTo(2);
        }
    }

    @Test
    void oddScenesTakeTheExtraSubjectInTurnAndTheSeedDecidesWhich() {
        Distribution half = new Distribution(Map.of("female", 1.0, "male", 1.0));
        List<Integer> sizes = List.of(5, 5, 5, 5, 5, 5, 5, 5, 5, 5);
        Set<List<Integer>> femalesBySeed = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            BatchQuota.Allocation a = BatchQuota.allocate(half, freeScenes(sizes), seed);
            assertThat(total(a, "female")).isEqualTo(25);
            assertThat(a.scenes()).allSatisfy(s -> assertThat(s.get("female")).isBetween(2, 3));
            femalesBySeed.add(a.scenes().stream().map(s -> s.get("female")).toList());
        }
        assertThat(femalesBySeed).hasSizeGreaterThan(10);
    }

    @Test
    void aSceneFixedByItsRequestIsMadeUpForByTheOthers() {
        // scene 0 is all female (pinned); the other scenes lean male so that the batch is 50/50
        Distribution half = new Distribution(Map.of("female", 1.0, "male", 1.0));
        List<BatchQuota.Scene> scenes = List.of(new BatchQuota.Scene(0, Map.of("female", 4)),
                new BatchQuota.Scene(4, Map.of()), new BatchQuota.Scene(4, Map.of()));
        BatchQuota.Allocation a = BatchQuota.allocate(half, scenes, 1);
        assertThat(a.scenes().get(0)).containsEntry("female", 0).containsEntry("male", 0);
        assertThat(a.scenes().get(1)).containsEntry("female", 1).containsEntry("male", 3);
        assertThat(a.scenes().get(2)).containsEntry("female", 1).containsEntry("male", 3);
    }
}
