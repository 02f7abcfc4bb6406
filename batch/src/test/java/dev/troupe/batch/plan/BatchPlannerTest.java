package dev.troupe.batch.plan;

import dev.troupe.batch.manifest.Manifest;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.scene.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Batch quotas over jobs whose requests name several parts: what a part pins counts, the rest is shared out. */
class BatchPlannerTest {

    @TempDir
    Path dir;

    @Test
    void compoundJobsKeepTheirPartsAndTheBatchMeetsItsQuota() throws Exception {
        Path file = dir.resolve("jobs.yaml");
        Files.writeString(file, """
                seed: 5
                quotas:
                  gender: {female: 1, male: 1}
                jobs:
                  - request: "a bride, a groom and 4 guests"
                    repeat: 3
                  - request: "two doctors and three nurses, half of them with glasses"
                    repeat: 3
                  - request: "3 women in red jerseys and 2 men in blue jerseys"
                """);
        PlanBuilder builder = PlanBuilder.standard();
        Manifest manifest = Manifest.read(file, builder.lexicon());
        BatchPlanner.Result result = new BatchPlanner(builder).plan(manifest, 5);
        List<Region> all = result.jobs().stream().flatMap(j -> j.plan().regions().stream()).toList();
        // 18 + 15 + 5 subjects; the brides, grooms, women and men are pinned by their nouns, the rest share the quota
        assertThat(all).hasSize(38);
        long female = all.stream().filter(r -> "female".equals(r.attributes().get("gender"))).count();
        assertThat(female).isEqualTo(19); // half of 38: the floor and the ceiling are both 19
        assertThat(result.targets().get("gender")).containsEntry("female", 19).containsEntry("male", 19);
        for (BatchPlanner.Planned job : result.jobs()) {
            for (Region r : job.plan().regions()) {
                switch (r.group()) {
                    case "bride", "woman" -> assertThat(r.attributes()).containsEntry("gender", "female");
                    case "groom", "man" -> assertThat(r.attributes()).containsEntry("gender", "male");
                    default -> assertThat(r.attributes()).containsKey("gender"); // a guest, a doctor, a nurse
                }
            }
            // each job's own statements still hold: the guests' glasses, the parts' counts
            if (job.plan().request().startsWith("two doctors")) {
                assertThat(job.plan().regions()).filteredOn(r -> "yes".equals(r.attributes().get("glasses")))
                        .hasSizeBetween(2, 3);
                assertThat(job.plan().regions()).filteredOn(r -> r.group().equals("nurse")).hasSize(3);
            }
        }
    }
}
