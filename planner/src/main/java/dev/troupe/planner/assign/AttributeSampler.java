package dev.troupe.planner.assign;

import dev.troupe.planner.Distribution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Assigns attribute values to subjects so that every dimension meets its apportioned counts exactly
 * and dimensions assigned together are as balanced as their margins allow: 4 subjects over
 * gender (2 x female, 2 x male) and skin (2 x light, 2 x dark) get each combination once, never
 * two light women and two dark men.
 *
 * <p>Dimensions are assigned one after another. For each, the subjects are visited in a seeded
 * order and each takes, from the values it still has slots for, the value that is most behind its
 * fair share among subjects that agree with it on the dimensions assigned so far (jointly, then
 * pair by pair). Per-subject overrides win: they are set first and use up a slot of their value
 * when one is left.
 */
public final class AttributeSampler {

    /**
     * A dimension and the distribution it should follow.
     *
     * @param counts the apportioned count of each value, decided by the caller, or null to apportion here
     */
    public record Target(String dimension, Distribution distribution, Map<String, Integer> counts) {
        public Target(String dimension, Distribution distribution) {
            this(dimension, distribution, null);
        }
    }

    /** What the sampler did: per subject, dimension -> value; per dimension, the counts aimed for. */
    public record Assignment(List<Map<String, String>> subjects, Map<String, Map<String, Integer>> counts) {
    }

    private AttributeSampler() {
    }

    public static Assignment assign(int n, List<Target> targets, Map<Integer, Map<String, String>> overrides, long seed) {
        Random random = new Random(seed);
        List<Map<String, String>> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            subjects.add(new LinkedHashMap<>());
        }
        Map<String, Map<String, Integer>> allCounts = new LinkedHashMap<>();
        List<String> assigned = new ArrayList<>();
        for (Target target : targets) {
            String dim = target.dimension();
            Map<String, Integer> counts = target.counts() != null ? target.counts()
                    : Apportionment.largestRemainder(n, target.distribution(), random);
            allCounts.put(dim, Collections.unmodifiableMap(new LinkedHashMap<>(counts)));
            Map<String, Integer> left = new LinkedHashMap<>(counts);
            List<Integer> free = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String forced = overrides.getOrDefault(i, Map.of()).get(dim);
                if (forced != null) {
                    subjects.get(i).put(dim, forced);
                    left.computeIfPresent(forced, (v, c) -> Math.max(0, c - 1));
                } else {
                    free.add(i);
                }
            }
            // overrides may have used slots that were never there: hand out what is left, fairly
            int slots = left.values().stream().mapToInt(Integer::intValue).sum();
            if (slots != free.size()) {
                left = Apportionment.largestRemainder(free.size(), target.distribution(), random);
            }
            Collections.shuffle(free, random);
            // visit subjects grouped by the joint value of earlier dimensions, so each group is served in turn
            List<Integer> order = interleaveByGroup(free, subjects, assigned);
            // fair share of each value in each group of subjects, fixed before anyone is served
            int total = Math.max(1, free.size());
            Map<String, Integer> jointSize = new HashMap<>();
            Map<String, Integer> pairSize = new HashMap<>();
            for (int i : free) {
                jointSize.merge(jointKey(subjects.get(i), assigned), 1, Integer::sum);
                for (String earlier : assigned) {
                    pairSize.merge(earlier + "=" + subjects.get(i).get(earlier), 1, Integer::sum);
                }
            }
            Map<String, Integer> initial = new LinkedHashMap<>(left);
            Map<String, Integer> jointTaken = new HashMap<>();
            Map<String, Integer> pairTaken = new HashMap<>();
            for (int i : order) {
                Map<String, String> subject = subjects.get(i);
                String joint = jointKey(subject, assigned);
                String best = null;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (Map.Entry<String, Integer> slot : left.entrySet()) {
                    if (slot.getValue() <= 0) {
                        continue;
                    }
                    String v = slot.getKey();
                    double share = (double) initial.get(v) / total;
                    // deficit: the group's fair share of v minus what the group already has of v
                    double score = 1000 * (jointSize.get(joint) * share - jointTaken.getOrDefault(joint + "|" + v, 0));
                    for (String earlier : assigned) {
                        String pair = earlier + "=" + subject.get(earlier);
                        score += pairSize.get(pair) * share - pairTaken.getOrDefault(pair + "|" + v, 0);
                    }
                    // among equals: the value with more slots left, then a seeded coin
                    score += 1e-3 * slot.getValue() + 1e-6 * random.nextDouble();
                    if (score > bestScore) {
                        bestScore = score;
                        best = v;
                    }
                }
                subject.put(dim, best);
                left.put(best, left.get(best) - 1);
                jointTaken.merge(joint + "|" + best, 1, Integer::sum);
                for (String earlier : assigned) {
                    pairTaken.merge(earlier + "=" + subject.get(earlier) + "|" + best, 1, Integer::sum);
                }
            }
            assigned.add(dim);
        }
        List<Map<String, String>> frozen = new ArrayList<>();
        for (Map<String, String> s : subjects) {
            frozen.add(Collections.unmodifiableMap(s));
        }
        return new Assignment(List.copyOf(frozen), Collections.unmodifiableMap(allCounts));
    }

    private static String jointKey(Map<String, String> subject, List<String> dims) {
        StringBuilder key = new StringBuilder();
        for (String d : dims) {
            key.append(d).append('=').append(subject.get(d)).append(';');
        }
        return key.toString();
    }

    /** Round-robin over groups of subjects that share their earlier values, in the shuffled order. */
    private static List<Integer> interleaveByGroup(List<Integer> shuffled, List<Map<String, String>> subjects, List<String> dims) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i : shuffled) {
            groups.computeIfAbsent(jointKey(subjects.get(i), dims), k -> new ArrayList<>()).add(i);
        }
        List<Integer> order = new ArrayList<>();
        int round = 0;
        while (order.size() < shuffled.size()) {
            for (List<Integer> group : groups.values()) {
                if (round < group.size()) {
                    order.add(group.get(round));
                }
            }
            round++;
        }
        return order;
    }
}
