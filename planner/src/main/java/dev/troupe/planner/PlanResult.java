package dev.troupe.planner;

import dev.troupe.planner.assign.GroupAssignment;
import dev.troupe.scene.ScenePlan;

import java.util.List;

/**
 * A plan and how it came to be: what the request was understood as, what each part of the group (and the whole
 * group) aimed for in each dimension and got, and what the user should know about how the request was read.
 *
 * @param notices one line each: words the profile cannot draw, a count the planner chose, statements it dropped
 */
public record PlanResult(ScenePlan plan, GroupSpec spec, List<GroupAssignment.Target> targets, List<String> notices) {

    public PlanResult {
        targets = List.copyOf(targets);
        notices = List.copyOf(notices);
    }
}
