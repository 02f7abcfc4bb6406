package dev.troupe.composer.window;

import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CanvasNoiseTest {

    private static ScenePlan plan(List<Region> regions) {
        return new ScenePlan(1, null, 192, 64, "a red shirt", "blue", 42, "sd", "sd15", "row", regions);
    }

    private static Region region(int i, long seed) {
        return new Region("s" + i, new Box(16 + 32 * (i - 1), 0, 32, 64), "red shirt", "two", seed, 1.0, Map.of(),
                List.of());
    }

    @Test
    void aRegionsInitialNoiseComesFromItsOwnSeedAndOnlyCoversItsBox() {
        LatentCanvas canvas = new LatentCanvas(4, 8, 24, 8, 8, 8);
        List<Region> regions = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            regions.add(region(i, 100 + i));
        }
        float[] first = new float[canvas.size()];
        float[] second = new float[canvas.size()];
        CanvasNoise.fill(plan(regions), canvas, first, 1.0);
        List<Region> reseeded = new ArrayList<>(regions);
        reseeded.set(2, region(3, 999));
        CanvasNoise.fill(plan(reseeded), canvas, second, 1.0);
        int[] box = canvas.box(regions.get(2).box());
        assertThat(box).containsExactly(10, 0, 4, 8); // 80 / 8, 0, 32 / 8, 64 / 8
        for (int ch = 0; ch < canvas.channels(); ch++) {
            for (int y = 0; y < canvas.height(); y++) {
                for (int x = 0; x < canvas.width(); x++) {
                    int k = (ch * canvas.height() + y) * canvas.width() + x;
                    boolean inside = x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3];
                    if (inside) {
                        assertThat(second[k]).isNotEqualTo(first[k]);
                    } else {
                        assertThat(second[k]).isEqualTo(first[k]);
                    }
                }
            }
        }
    }
}
