package dev.troupe.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {

    private static EvaluationReport.Subject subject(String top, String readTop, String skin, String readSkin) {
        return new EvaluationReport.Subject("r", Map.of("top", top, "skin", skin),
                Map.of("top", readTop, "skin", readSkin), null);
    }

    @Test
    void misreadingsCountEachPlannedValueAsWhatWasReadMostFrequentFirst() {
        EvaluationReport a = new EvaluationReport(List.of(
                subject("blue", "purple", "dark", "dark"),
                subject("red", "red", "light", "fair")), Map.of(), null, null);
        EvaluationReport b = new EvaluationReport(List.of(
                subject("blue", "purple", "tan", "tan"),
                subject("green", "teal", "tan", "tan")), Map.of(), null, null);

        Map<String, Map<String, Integer>> m = EvaluationReport.misreadings(List.of(a, b));

        assertEquals(List.of("skin", "top"), List.copyOf(m.keySet()));
        assertEquals(Map.of("light as fair", 1), m.get("skin"));
        assertEquals(List.of("blue as purple", "green as teal"), List.copyOf(m.get("top").keySet()));
        assertEquals(2, m.get("top").get("blue as purple"));
    }

    @Test
    void aSubjectWithNothingReadIsNoMisreading() {
        EvaluationReport r = new EvaluationReport(List.of(new EvaluationReport.Subject("r",
                Map.of("top", "blue"), Map.of(), null)), Map.of(), null, null);
        assertEquals(Map.of(), EvaluationReport.misreadings(List.of(r)));
    }
}
