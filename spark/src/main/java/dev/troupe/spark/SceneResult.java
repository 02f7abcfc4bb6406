package dev.troupe.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.batch.run.BatchRunner;

import java.io.Serializable;

/**
 * What became of one job on an executor, sent back to the driver: the outcome (sidecar as JSON text), and which
 * executor JVM drew it and how many pipelines that JVM had built by then.
 */
record SceneResult(int index, BatchRunner.Status status, String stage, String error, boolean internal,
                   String sidecarJson, String executor, int pipelinesBuilt) implements Serializable {

    /** The stage of a failure that is the whole run's: render options the model refuses. */
    static final String OPTIONS = "options";

    static SceneResult of(int index, BatchRunner.Drawn drawn, String executor, int pipelinesBuilt) {
        try {
            String sidecar = drawn.sidecar() == null ? null : BatchRunner.JSON.writeValueAsString(drawn.sidecar());
            return new SceneResult(index, drawn.status(), drawn.stage(), drawn.error(), drawn.internal(), sidecar,
                    executor, pipelinesBuilt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a sidecar is plain JSON", e);
        }
    }

    BatchRunner.Drawn drawn() {
        try {
            ObjectNode sidecar = sidecarJson == null ? null : (ObjectNode) BatchRunner.JSON.readTree(sidecarJson);
            return new BatchRunner.Drawn(status, stage, error, internal, sidecar);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the executor sent a sidecar that is not JSON", e);
        }
    }
}
