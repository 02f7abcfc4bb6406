package dev.troupe.planner;

import dev.troupe.scene.ScenePlan;

import java.util.Map;

/**
 * A plan and how it came to be: what the request was understood as, the distribution aimed for in
 * each assigned dimension, and the counts the apportionment gave.
 */
public record PlanResult(ScenePlan plan, GroupSpec spec, Map<String, Distribution> targets,
                         Map<String, Map<String, Integer>> counts) {
}
