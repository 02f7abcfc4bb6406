package dev.troupe.eval;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /**
     * What the misread subjects of several reports were read as, per attribute: "blue as purple" with its count,
     * most frequent first, so that a run says which values the model confuses.
     */
    public static Map<String, Map<String, Integer>> misreadings(List<EvaluationReport> reports) {
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (EvaluationReport r : reports) {
            for (Subject s : r.subjects()) {
                s.planned().forEach((attribute, planned) -> {
                    String read = s.read().get(attribute);
                    if (read != null && !read.equals(planned)) {
                        counts.computeIfAbsent(attribute, k -> new LinkedHashMap<>())
                                .merge(planned + " as " + read, 1, Integer::sum);
                    }
                });
            }
        }
        Map<String, Map<String, Integer>> sorted = new TreeMap<>();
        counts.forEach((attribute, pairs) -> {
            Map<String, Integer> byCount = new LinkedHashMap<>();
            pairs.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> byCount.put(e.getKey(), e.getValue()));
            sorted.put(attribute, byCount);
        });
        return sorted;
    }
}
