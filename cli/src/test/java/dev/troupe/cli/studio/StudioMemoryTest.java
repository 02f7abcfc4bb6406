package dev.troupe.cli.studio;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.renderer.onnx.PeakMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A studio that drew, or began to draw, a large scene gives the memory back: it serves for days. */
class StudioMemoryTest {

    @TempDir
    Path dir;

    private static ObjectNode scene(StudioFixture studio, int size, int box) throws Exception {
        ObjectNode plan = (ObjectNode) studio.plan(1);
        plan.put("model", "embedded").put("width", size).put("height", size);
        int at = (size - box) / 2;
        ((ObjectNode) plan.get("regions").get(0)).putObject("box").put("x", at).put("y", at).put("w", box).put("h", box);
        return plan;
    }

    private static String waitFor(StudioFixture studio, String id, java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> done)
            throws Exception {
        for (int i = 0; i < 1200; i++) {
            var job = studio.get("/api/jobs/" + id).json();
            if (done.test(job)) {
                return job.get("state").asText();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " did not get there in 60 s");
    }

    @Test
    void aCancelledRenderGivesBackTheMemoryItTook() throws Exception {
        Path embedded = dev.troupe.cli.EmbeddedModelTest.embedded();
        try (StudioFixture studio = new StudioFixture(dir, 4, "127.0.0.1", embedded)) {
            // a small render first: the model is loaded, its weights are the level the large render starts from
            var warm = studio.post("/api/renders", Map.of("plan", scene(studio, 64, 32), "steps", 1, "name", "warm"));
            assertThat(waitFor(studio, warm.json().get("id").asText(), j -> j.get("state").asText().equals("done")))
                    .isEqualTo("done");
            long before = PeakMemory.currentBytes();
            assertThat(PeakMemory.resetPeak()).isTrue();

            // a 256-pixel subject on a 512 canvas: a guided pair of 128x128-latent crops, about 600 MB of UNet memory
            var large = studio.post("/api/renders", Map.of("plan", scene(studio, 512, 256), "steps", 500,
                    "name", "large"));
            assertThat(large.status()).as(large.text()).isEqualTo(202);
            String id = large.json().get("id").asText();
            waitFor(studio, id, j -> j.get("step").asInt() >= 2);
            assertThat(studio.delete("/api/jobs/" + id).status()).isEqualTo(200);
            assertThat(waitFor(studio, id, j -> !j.get("state").asText().equals("running"))).isEqualTo("cancelled");
            Thread.sleep(200);
            long after = PeakMemory.currentBytes();
            long during = PeakMemory.residentBytes(); // the peak since the large render began

            assertThat(during - before).as("the render took memory").isGreaterThan(200L << 20);
            // what the render took came back, but for a quarter (JIT code, the heap's own growth)
            assertThat(after - before).as("before %d, during %d, after %d", before, during, after)
                    .isLessThan((during - before) / 4);
        }
    }
}
