package dev.troupe.planner;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Target shares of a dimension's values, in a fixed value order. Weights are normalised to sum to 1;
 * values with weight 0 stay listed so that reports can show them.
 */
public record Distribution(Map<String, Double> shares) {

    public Distribution {
        double total = 0;
        for (Map.Entry<String, Double> e : shares.entrySet()) {
            double w = e.getValue();
            if (!Double.isFinite(w) || w < 0) {
                throw new RequestException("weight of '" + e.getKey() + "' must be a finite number >= 0, got " + w);
            }
            total += w;
        }
        if (shares.isEmpty() || total <= 0) {
            throw new RequestException("a mix needs at least one value with a weight above 0");
        }
        Map<String, Double> normalised = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : shares.entrySet()) {
            normalised.put(e.getKey(), e.getValue() / total);
        }
        shares = Collections.unmodifiableMap(normalised);
    }

    public static Distribution uniform(List<String> values) {
        Map<String, Double> shares = new LinkedHashMap<>();
        values.forEach(v -> shares.put(v, 1.0));
        return new Distribution(shares);
    }

    public static Distribution single(String value) {
        return new Distribution(Map.of(value, 1.0));
    }

    public double share(String value) {
        return shares.getOrDefault(value, 0.0);
    }
}
