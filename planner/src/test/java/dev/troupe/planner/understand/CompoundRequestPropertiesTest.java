package dev.troupe.planner.understand;

import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.PlanResult;
import dev.troupe.planner.assign.GroupAssignment;
import dev.troupe.scene.Region;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compound requests made up from parts ("3 doctors in red jerseys and 5 nurses of mixed ages, half of them with
 * glasses"): whatever the parts, sizes and seed, each part gets exactly its count, and every mix lands on the floor
 * or the ceiling of its share of the scope it was asked for. The expected counts come from the words the generator
 * wrote, not from the planner's reading of them.
 */
class CompoundRequestPropertiesTest {

    private static final PlanBuilder BUILDER = PlanBuilder.standard();
    private static final List<String> NOUNS = List.of("doctors", "nurses", "teachers", "students", "chefs", "dancers",
            "singers", "farmers");
    private static final List<String> NUMBERS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve");

    /** One part as written: its count, noun, and what it asks of its own members. */
    record Part(int count, String noun, String attribute, boolean inWords) {
        String text() {
            return (inWords ? NUMBERS.get(count) : Integer.toString(count)) + " " + noun + attribute;
        }
    }

    /** A whole-group share as written, and what it means: glasses=yes for share x everyone. */
    record Share(String words, double share) {
    }

    private static double floor(double x) {
        return Math.floor(x + 1e-9);
    }

    private static double ceil(double x) {
        return Math.max(floor(x), Math.ceil(x - 1e-9));
    }

    @Provide
    Arbitrary<List<Part>> parts() {
        Arbitrary<Part> part = Combinators.combine(Arbitraries.integers().between(1, 12), Arbitraries.of(NOUNS),
                Arbitraries.of("", " in red jerseys", " in red and blue jerseys", " of mixed ages", " in yellow"),
                Arbitraries.of(true, false)).as(Part::new);
        return part.list().ofMinSize(2).ofMaxSize(3).filter(ps -> ps.stream().map(Part::noun).distinct().count() == ps.size());
    }

    @Provide
    Arbitrary<Share> shares() {
        return Arbitraries.of(new Share("", 0), new Share(", half of them with glasses", 0.5),
                new Share(", a third of them with glasses", 1 / 3.0), new Share(", 25% of them wearing glasses", 0.25),
                new Share(", most of them with glasses", 0.75), new Share(", some of them wearing glasses", 1 / 3.0));
    }

    @Property(tries = 250)
    void partsAreExactAndEveryMixLandsOnItsFloorOrCeiling(@ForAll("parts") List<Part> parts,
                                                          @ForAll("shares") Share share, @ForAll long seed) {
        List<String> texts = new ArrayList<>();
        parts.forEach(p -> texts.add(p.text()));
        String request = String.join(", ", texts.subList(0, texts.size() - 1)) + " and " + texts.get(texts.size() - 1)
                + share.words() + " in a park";
        PlanResult result = BUILDER.build(request, PlanOptions.seeded(seed));
        List<Region> regions = result.plan().regions();
        int total = parts.stream().mapToInt(Part::count).sum();
        assertThat(regions).as(request).hasSize(total);
        assertThat(result.spec().groups()).as(request).hasSize(parts.size());
        for (int k = 0; k < parts.size(); k++) {
            Part p = parts.get(k);
            String label = result.spec().groups().get(k).label();
            List<Region> members = regions.stream().filter(r -> label.equals(r.group())).toList();
            assertThat(members).as(request + ": part " + label).hasSize(p.count());
            switch (p.attribute()) {
                case " in red jerseys" -> assertThat(members).allSatisfy(r -> assertThat(r.attributes())
                        .containsEntry("top", "red").containsEntry("top_kind", "jersey"));
                case " in yellow" -> assertThat(members).allSatisfy(r -> assertThat(r.attributes()).containsEntry("top", "yellow"));
                case " in red and blue jerseys" -> {
                    long red = members.stream().filter(r -> "red".equals(r.attributes().get("top"))).count();
                    assertThat(red).as(request).isBetween((long) Math.floor(p.count() / 2.0), (long) Math.ceil(p.count() / 2.0));
                    assertThat(members).allSatisfy(r -> assertThat(r.attributes().get("top")).isIn("red", "blue"));
                }
                case " of mixed ages" -> {
                    for (String age : List.of("young", "adult", "middle-aged", "elderly")) {
                        long n = members.stream().filter(r -> age.equals(r.attributes().get("age"))).count();
                        assertThat(n).as(request + ": " + age).isBetween((long) Math.floor(p.count() / 4.0),
                                (long) Math.ceil(p.count() / 4.0));
                    }
                }
                default -> assertThat(members).allSatisfy(r -> assertThat(r.attributes()).doesNotContainKey("top"));
            }
        }
        long glasses = regions.stream().filter(r -> "yes".equals(r.attributes().get("glasses"))).count();
        double aim = share.share() * total;
        assertThat((double) glasses).as(request + ": glasses").isBetween(floor(aim), ceil(aim));
        // and what the planner reports of each scope agrees: realized counts on the floor or ceiling of their targets
        for (GroupAssignment.Target t : result.targets()) {
            t.distribution().shares().forEach((value, s) -> {
                double want = s * t.size();
                assertThat((double) t.realized().get(value)).as(request + ": " + t.scope() + " " + t.dimension() + "=" + value)
                        .isBetween(floor(want), ceil(want));
            });
        }
    }
}
