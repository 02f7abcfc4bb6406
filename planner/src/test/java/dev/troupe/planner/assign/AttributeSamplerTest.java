package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AttributeSamplerTest {

    private static final AttributeSampler.Target GENDER =
            new AttributeSampler.Target("gender", Distribution.uniform(List.of("female", "male")));
    private static final AttributeSampler.Target SKIN =
            new AttributeSampler.Target("skin", Distribution.uniform(List.of("light", "dark")));
    private static final AttributeSampler.Target SKIN6 = new AttributeSampler.Target("skin",
            Distribution.uniform(List.of("pale", "light", "medium", "tan", "brown", "dark")));

    @Property(tries = 300)
    void fourSubjectsOverTwoByTwoGetEachCombinationOnce(@ForAll long seed) {
        AttributeSampler.Assignment a = AttributeSampler.assign(4, List.of(GENDER, SKIN), Map.of(), seed);
        assertThat(a.subjects()).extracting(s -> s.get("gender") + "/" + s.get("skin"))
                .containsExactlyInAnyOrder("female/light", "female/dark", "male/light", "male/dark");
    }

    @Property(tries = 200)
    void jointCellsAreWithinOneOfTheirFairShare(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        AttributeSampler.Assignment a = AttributeSampler.assign(n, List.of(GENDER, SKIN), Map.of(), seed);
        Map<String, Integer> cells = new HashMap<>();
        a.subjects().forEach(s -> cells.merge(s.get("gender") + "/" + s.get("skin"), 1, Integer::sum));
        for (String g : List.of("female", "male")) {
            for (String k : List.of("light", "dark")) {
                int genderCount = a.counts().get("gender").get(g);
                double fair = genderCount * a.counts().get("skin").get(k) / (double) n;
                assertThat((double) cells.getOrDefault(g + "/" + k, 0)).as(g + "/" + k + " of " + n)
                        .isBetween(Math.floor(fair) - 1, Math.ceil(fair) + 1);
            }
        }
    }

    @Property(tries = 200)
    void realizedCountsAreTheApportionedCounts(@ForAll @IntRange(min = 1, max = 50) int n, @ForAll long seed) {
        AttributeSampler.Assignment a = AttributeSampler.assign(n, List.of(GENDER, SKIN6), Map.of(), seed);
        for (String dim : List.of("gender", "skin")) {
            Map<String, Integer> realized = new HashMap<>();
            a.subjects().forEach(s -> realized.merge(s.get(dim), 1, Integer::sum));
            a.counts().get(dim).forEach((value, count) -> assertThat(realized.getOrDefault(value, 0)).isEqualTo(count));
            a.counts().get(dim).forEach((value, count) -> {
                double target = n * (dim.equals("gender") ? 0.5 : 1 / 6.0);
                assertThat((double) count).isBetween(Math.floor(target - 1e-9), Math.ceil(target + 1e-9));
            });
        }
    }

    @Property(tries = 100)
    void sameSeedSameAssignment(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll long seed) {
        assertThat(AttributeSampler.assign(n, List.of(GENDER, SKIN6), Map.of(), seed))
                .isEqualTo(AttributeSampler.assign(n, List.of(GENDER, SKIN6), Map.of(), seed));
    }

    @Test
    void differentSeedsShuffleWhoGetsWhat() {
        long distinct = new Random(1).longs(20).mapToObj(seed ->
                AttributeSampler.assign(6, List.of(SKIN6), Map.of(), seed).subjects().toString()).distinct().count();
        assertThat(distinct).isGreaterThan(5);
    }

    @Test
    void perSubjectOverridesWinAndTheRestStillMeetTheCounts() {
        Map<Integer, Map<String, String>> overrides = Map.of(0, Map.of("skin", "dark"), 1, Map.of("skin", "dark"));
        for (long seed = 0; seed < 50; seed++) {
            AttributeSampler.Assignment a = AttributeSampler.assign(4, List.of(SKIN), overrides, seed);
            assertThat(a.subjects().get(0)).containsEntry("skin", "dark");
            assertThat(a.subjects().get(1)).containsEntry("skin", "dark");
            assertThat(a.subjects().get(2)).containsEntry("skin", "light");
            assertThat(a.subjects().get(3)).containsEntry("skin", "light");
        }
        // an override beyond the value's slots still wins; the others share what is left
        AttributeSampler.Assignment a = AttributeSampler.assign(2, List.of(SKIN),
                Map.of(0, Map.of("skin", "dark"), 1, Map.of("skin", "dark")), 3);
        assertThat(a.subjects()).allSatisfy(s -> assertThat(s).containsEntry("skin", "dark"));
    }
}
