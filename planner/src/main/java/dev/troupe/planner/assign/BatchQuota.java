package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batch-level quotas for one dimension: the batch's subjects, N in all, follow a target distribution p, and each
 * scene's share of every value stays as even as it can be.
 *
 * <ol>
 *   <li>The batch total of value v is T_v, the largest-remainder apportionment of N over p (so each T_v is the floor
 *       or the ceiling of N p_v and they add up to N).</li>
 *   <li>Subjects already fixed (by a scene's request, its own mix, a per-subject override or a finished plan) count
 *       first; the free subjects, F in all, must supply F_v = T_v - pinned_v (when a pin overshoots a target, F is
 *       apportioned over the positive deficits instead, and that dimension can miss its target).</li>
 *   <li>Scene j with f_j free subjects would ideally get x_jv = f_j F_v / F of value v. Its count c_jv is the floor or
 *       the ceiling of x_jv, with rows adding to f_j and columns to F_v: a rounding of a matrix with integer margins,
 *       which always exists (the transportation polytope with bounds [floor, ceil] holds x, so it has an integral
 *       vertex). The ceilings are handed out greedily in a seeded scene order, most urgent value first, and any
 *       scene left short is completed by augmenting paths (a max flow on scenes x values).</li>
 * </ol>
 * All arithmetic on x_jv is exact (integer floor and remainder of f_j F_v / F).
 */
public final class BatchQuota {

    /**
     * One scene's part in a dimension.
     *
     * @param free   subjects whose value the quota chooses
     * @param pinned value -> subjects whose value is already fixed
     */
    public record Scene(int free, Map<String, Integer> pinned) {
        public Scene {
            if (free < 0) {
                throw new IllegalArgumentException("free subjects must be >= 0, got " + free);
            }
            pinned = pinned == null ? Map.of() : Map.copyOf(pinned);
        }
    }

    /**
     * @param targets value -> batch total aimed for (T_v), in the distribution's value order
     * @param scenes  per scene, value -> how many of its free subjects get v (every value listed, 0 included)
     */
    public record Allocation(Map<String, Integer> targets, List<Map<String, Integer>> scenes) {
    }

    private BatchQuota() {
    }

    public static Allocation allocate(Distribution target, List<Scene> scenes, long seed) {
        Random random = new Random(seed);
        List<String> values = new ArrayList<>(target.shares().keySet());
        int k = values.size();
        int m = scenes.size();
        int freeTotal = 0;
        int n = 0;
        Map<String, Integer> pinnedTotals = new LinkedHashMap<>();
        for (Scene s : scenes) {
            freeTotal += s.free();
            n += s.free();
            for (Map.Entry<String, Integer> p : s.pinned().entrySet()) {
                n += p.getValue();
                pinnedTotals.merge(p.getKey(), p.getValue(), Integer::sum);
            }
        }
        Map<String, Integer> targets = Apportionment.largestRemainder(n, target, random);

        // what the free subjects must supply
        int[] want = new int[k];
        boolean exact = true;
        int sum = 0;
        for (int v = 0; v < k; v++) {
            want[v] = targets.get(values.get(v)) - pinnedTotals.getOrDefault(values.get(v), 0);
            exact &= want[v] >= 0;
            sum += want[v];
        }
        if (freeTotal > 0 && (!exact || sum != freeTotal)) {
            Map<String, Double> deficits = new LinkedHashMap<>();
            double positive = 0;
            for (int v = 0; v < k; v++) {
                deficits.put(values.get(v), (double) Math.max(0, want[v]));
                positive += Math.max(0, want[v]);
            }
            Map<String, Integer> refill = Apportionment.largestRemainder(freeTotal,
                    positive > 0 ? new Distribution(deficits) : target, random);
            for (int v = 0; v < k; v++) {
                want[v] = refill.get(values.get(v));
            }
        } else if (freeTotal == 0) {
            Arrays.fill(want, 0);
        }

        int[][] counts = new int[m][k];
        boolean[][] roundable = new boolean[m][k];
        int[] rowNeed = new int[m];
        int[] colNeed = want.clone();
        int[] capacity = new int[k]; // scenes not yet served that may still take one more of v
        for (int j = 0; j < m; j++) {
            int f = scenes.get(j).free();
            rowNeed[j] = f;
            for (int v = 0; v < k; v++) {
                long product = (long) f * want[v];
                counts[j][v] = freeTotal == 0 ? 0 : (int) (product / freeTotal);
                roundable[j][v] = freeTotal != 0 && product % freeTotal != 0;
                rowNeed[j] -= counts[j][v];
                colNeed[v] -= counts[j][v];
                if (roundable[j][v]) {
                    capacity[v]++;
                }
            }
        }

        // greedy: scenes in a seeded order; each takes its ceilings from the values whose need is most urgent
        List<Integer> order = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            order.add(j);
        }
        Collections.shuffle(order, random);
        double[] coin = new double[k];
        for (int j : order) {
            for (int v = 0; v < k; v++) {
                coin[v] = random.nextDouble();
            }
            while (rowNeed[j] > 0) {
                int best = -1;
                double bestUrgency = -1;
                for (int v = 0; v < k; v++) {
                    if (!roundable[j][v] || colNeed[v] <= 0 || counts[j][v] > floorOf(scenes.get(j).free(), want[v], freeTotal)) {
                        continue;
                    }
                    double urgency = colNeed[v] / (double) capacity[v] + 1e-9 * coin[v];
                    if (urgency > bestUrgency) {
                        bestUrgency = urgency;
                        best = v;
                    }
                }
                if (best < 0) {
                    break; // left for the augmenting paths
                }
                counts[j][best]++;
                rowNeed[j]--;
                colNeed[best]--;
            }
            for (int v = 0; v < k; v++) {
                if (roundable[j][v]) {
                    capacity[v]--;
                }
            }
        }

        for (int j = 0; j < m; j++) {
            while (rowNeed[j] > 0) {
                augment(j, counts, roundable, colNeed, scenes, want, freeTotal);
                rowNeed[j]--;
            }
        }

        List<Map<String, Integer>> result = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            Map<String, Integer> scene = new LinkedHashMap<>();
            for (int v = 0; v < k; v++) {
                scene.put(values.get(v), counts[j][v]);
            }
            result.add(Collections.unmodifiableMap(scene));
        }
        return new Allocation(Collections.unmodifiableMap(new LinkedHashMap<>(targets)), List.copyOf(result));
    }

    private static int floorOf(int free, int want, int freeTotal) {
        return (int) ((long) free * want / freeTotal);
    }

    /**
     * Gives scene {@code start} one more ceiling along a shortest alternating path: scene -> a value it may still
     * round up -> a scene that rounded that value up and may round another instead -> ... -> a value whose batch
     * total still needs one.
     */
    private static void augment(int start, int[][] counts, boolean[][] roundable, int[] colNeed, List<Scene> scenes,
                                int[] want, int freeTotal) {
        int m = counts.length;
        int k = colNeed.length;
        int[] sceneFrom = new int[k]; // value v was reached from this scene
        int[] valueFrom = new int[m]; // scene j was reached through this value
        Arrays.fill(sceneFrom, -1);
        Arrays.fill(valueFrom, -1);
        boolean[] seenScene = new boolean[m];
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(start);
        seenScene[start] = true;
        while (!queue.isEmpty()) {
            int j = queue.poll();
            for (int v = 0; v < k; v++) {
                if (sceneFrom[v] >= 0 || !roundable[j][v] || counts[j][v] > floorOf(scenes.get(j).free(), want[v], freeTotal)) {
                    continue;
                }
                sceneFrom[v] = j;
                if (colNeed[v] > 0) {
                    // flip the path back to the start
                    int value = v;
                    while (true) {
                        int scene = sceneFrom[value];
                        counts[scene][value]++;
                        if (scene == start) {
                            break;
                        }
                        int previous = valueFrom[scene];
                        counts[scene][previous]--;
                        value = previous;
                    }
                    colNeed[v]--;
                    return;
                }
                for (int other = 0; other < m; other++) {
                    if (!seenScene[other] && roundable[other][v]
                            && counts[other][v] > floorOf(scenes.get(other).free(), want[v], freeTotal)) {
                        seenScene[other] = true;
                        valueFrom[other] = v;
                        queue.add(other);
                    }
                }
            }
        }
        throw new IllegalStateException("no rounding completes scene " + start + "; the quota margins are inconsistent");
    }
}
