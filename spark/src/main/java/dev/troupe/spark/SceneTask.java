package dev.troupe.spark;

import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.run.BatchRunner;
import dev.troupe.scene.PlanJson;

import java.io.Serializable;

/**
 * One planned job as it travels to an executor: its place in the manifest's job list, and the plan as the JSON
 * that {@code troupe batch} writes (so the executor draws the very plan the driver made).
 *
 * @param request null for a job given as a plan
 */
record SceneTask(int index, String name, int manifestLine, String request, String planJson) implements Serializable {

    static SceneTask of(int index, BatchPlanner.Planned job) {
        return new SceneTask(index, job.name(), job.entry().line(), job.spec().request(), PlanJson.write(job.plan()));
    }

    BatchRunner.Scene scene() {
        return new BatchRunner.Scene(name, manifestLine, request, PlanJson.read(planJson));
    }
}
