package dev.troupe.planner.layout;

import dev.troupe.planner.RequestException;
import dev.troupe.planner.write.Profile;
import dev.troupe.scene.Box;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayoutTest {

    @Provide
    Arbitrary<String> profiles() {
        return Arbitraries.of("embedded", "sd15");
    }

    @Property(tries = 400)
    void boxesStayInsideAndOverlapStaysUnderTheLimit(@ForAll Layout layout, @ForAll @IntRange(min = 1, max = 50) int n,
                                                     @ForAll long seed, @ForAll @DoubleRange(min = 0, max = 0.5) double maxOverlap,
                                                     @ForAll("profiles") String profile) {
        CanvasSpec spec = Profile.named(profile).canvas();
        Layout.Placement p = layout.place(n, spec, seed, maxOverlap, null);
        assertThat(p.width() % 32).isZero();
        assertThat(p.height() % 32).isZero();
        assertThat(p.boxes()).hasSize(n).allSatisfy(b -> {
            assertThat(b.inside(p.width(), p.height())).as(b.toString()).isTrue();
            assertThat(b.w()).isEqualTo(spec.boxW());
            assertThat(b.h()).isEqualTo(spec.boxH());
        });
        assertThat(Layout.maxOverlap(p.boxes())).isLessThanOrEqualTo(maxOverlap);
        assertThat(layout.place(n, spec, seed, maxOverlap, null)).as("deterministic").isEqualTo(p);
    }

    @Property(tries = 300)
    void aRequestedSizeScalesBoxesToFit(@ForAll Layout layout, @ForAll @IntRange(min = 1, max = 20) int n,
                                        @ForAll long seed, @ForAll @IntRange(min = 8, max = 64) int w32,
                                        @ForAll @IntRange(min = 8, max = 32) int h32) {
        int[] size = {w32 * 32, h32 * 32};
        Layout.Placement p;
        try {
            p = layout.place(n, Profile.named("embedded").canvas(), seed, 0.25, size);
        } catch (RequestException tooSmall) {
            assertThat(tooSmall).hasMessageContaining("too small to draw");
            return;
        }
        assertThat(p.width()).isEqualTo(size[0]);
        assertThat(p.height()).isEqualTo(size[1]);
        assertThat(p.boxes()).allSatisfy(b -> {
            assertThat(b.inside(p.width(), p.height())).isTrue();
            assertThat((double) b.h() / b.w()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.2));
        });
        assertThat(Layout.maxOverlap(p.boxes())).isLessThanOrEqualTo(0.25);
    }

    @Test
    void embeddedRowKeepsTheNativeFigureScale() {
        Layout.Placement p = Layout.ROW.place(5, Profile.named("embedded").canvas(), 7, 0.25, null);
        assertThat(p.height()).isEqualTo(128);
        assertThat(p.width()).isBetween(5 * 80, 5 * 80 + 64);
        List<Box> boxes = p.boxes();
        for (int i = 1; i < boxes.size(); i++) {
            assertThat(boxes.get(i).x()).isGreaterThan(boxes.get(i - 1).x()); // left to right
        }
    }

    @Test
    void rowsPutTheBackRowHigherAndBetweenTheFrontRow() {
        Layout.Placement p = Layout.ROWS.place(7, Profile.named("embedded").canvas(), 1, 0.25, null);
        assertThat(p.height()).isEqualTo(192);
        List<Box> back = p.boxes().subList(0, 3);
        List<Box> front = p.boxes().subList(3, 7);
        assertThat(back).allSatisfy(b -> assertThat(b.y()).isLessThan(front.get(0).y() - 32));
        for (int j = 0; j < back.size(); j++) {
            int middle = back.get(j).x() + 32;
            assertThat(middle).isBetween(front.get(j).x() + 32, front.get(j + 1).x() + 32);
        }
    }

    @Test
    void zeroOverlapSpreadsBoxesApart() {
        Layout.Placement p = Layout.ROWS.place(9, Profile.named("embedded").canvas(), 4, 0.0, null);
        assertThat(Layout.maxOverlap(p.boxes())).isZero();
    }

    @Test
    void namesAreCheckedAndTooSmallCanvasesAreRefused() {
        assertThat(Layout.named("Arc")).isEqualTo(Layout.ARC);
        assertThatThrownBy(() -> Layout.named("circle")).hasMessage("unknown layout 'circle'; layouts: row, rows, grid, arc");
        Layout.Placement widest = Layout.ROW.place(50, Profile.named("sd15").canvas(), 1, 0.0, null);
        assertThat(widest.width()).isLessThanOrEqualTo(16384);
        assertThatThrownBy(() -> Layout.GRID.place(50, Profile.named("sd15").canvas(), 1, 0.25, new int[] {64, 64}))
                .isInstanceOf(RequestException.class).hasMessageContaining("too small to draw; use a larger --size");
    }

    @Test
    void theShiftsOfConsecutiveSeedsAreUnrelated() {
        // The middle box of a row of three, seeds 0..999: the change of its x shift from one seed to the next should
        // take every value about equally often (a generator whose scrambling was undone moves by the same step).
        CanvasSpec spec = Profile.named("sd15").canvas();
        int span = 2 * spec.jitter() + 1;
        int[] steps = new int[span];
        int previous = Layout.ROW.place(3, spec, 0, 0.25, null).boxes().get(1).x();
        for (long seed = 1; seed < 1000; seed++) {
            int x = Layout.ROW.place(3, spec, seed, 0.25, null).boxes().get(1).x();
            steps[Math.floorMod(x - previous, span)]++;
            previous = x;
        }
        for (int count : steps) {
            assertThat(count).as(java.util.Arrays.toString(steps)).isLessThan(3 * 999 / span);
        }
    }
}
