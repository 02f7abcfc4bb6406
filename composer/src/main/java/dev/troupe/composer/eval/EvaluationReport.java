package dev.troupe.composer.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per subject what was planned and what was read, and per attribute how often they agree.
 *
 * @param plannedScene the backdrop the plan's background prompt names (null if none the palette knows)
 * @param readScene    the backdrop read from the pixels outside the boxes
 */
public record EvaluationReport(List<Subject> subjects, Map<String, Tally> tallies, String plannedScene,
                               String readScene) {

    public record Subject(String regionId, Map<String, String> planned, Map<String, String> read,
                          FigureReading reading) {
    }

    /** Adds the tallies of several reports (a whole evaluation run). */
    public static Map<String, Tally> sum(List<EvaluationReport> reports) {
        Map<String, Tally> out = new LinkedHashMap<>();
        for (EvaluationReport r : reports) {
            r.tallies().forEach((k, v) -> out.merge(k, v, Tally::plus));
        }
        return out;
    }
}
