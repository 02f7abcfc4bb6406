package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Exact apportionment by largest remainder (Hamilton's method): each value first gets the floor of
 * n * p, and the seats left over go to the largest fractional parts. So every count is the floor or
 * the ceiling of its target, and the counts add up to n. Ties between equal remainders are broken by
 * the seeded random source, so that which value gets the extra subject varies with the seed.
 */
public final class Apportionment {

    private Apportionment() {
    }

    public static Map<String, Integer> largestRemainder(int n, Distribution distribution, Random ties) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        List<String> values = new ArrayList<>(distribution.shares().keySet());
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Double> remainders = new LinkedHashMap<>();
        Map<String, Double> tieBreak = new LinkedHashMap<>();
        int given = 0;
        for (String v : values) {
            double target = n * distribution.share(v);
            int floor = (int) Math.floor(target + 1e-9);
            counts.put(v, floor);
            // a remainder within rounding noise of 0 is 0 (so 3 x 1/3 of 3 is exactly 1 each)
            double remainder = target - floor;
            remainders.put(v, remainder < 1e-9 ? 0 : remainder);
            tieBreak.put(v, ties.nextDouble());
            given += floor;
        }
        values.sort(Comparator.<String>comparingDouble(v -> -roundedRemainder(remainders.get(v)))
                .thenComparingDouble(tieBreak::get));
        for (int k = 0; k < n - given; k++) {
            String v = values.get(k);
            counts.put(v, counts.get(v) + 1);
        }
        return counts;
    }

    /** Remainders equal up to floating-point noise (1/3 computed two ways) count as a tie. */
    private static double roundedRemainder(double r) {
        return Math.round(r * 1e9) / 1e9;
    }
}
