package dev.troupe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.troupe.scene.ScenePlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes plan JSON for the render command. Interim: the scene module's PlanJson (with validation) takes
 * this place when the branches merge.
 */
final class PlanReader {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanReader() {
    }

    static ScenePlan read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("plan file " + file + " does not exist; write one with `troupe plan` "
                    + "or pass the path of a plan JSON file.");
        }
        ScenePlan plan;
        try {
            plan = JSON.readValue(file.toFile(), ScenePlan.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new IllegalArgumentException(file + " is not a valid plan" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        if (plan.width() <= 0 || plan.height() <= 0) {
            throw new IllegalArgumentException(file + ": width and height must be positive (got " + plan.width()
                    + "x" + plan.height() + ").");
        }
        return plan;
    }

    static String toJson(ScenePlan plan) {
        try {
            return JSON.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a plan record always serialises", e);
        }
    }
}
