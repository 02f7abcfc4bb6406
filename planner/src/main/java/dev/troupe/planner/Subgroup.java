package dev.troupe.planner;

import java.util.List;

/**
 * One part of the group a request names: "two doctors" in "two doctors and three nurses", "3 in red jerseys" in
 * "7 soccer players, 3 in red jerseys and 4 in blue jerseys", or the whole group when the request names one.
 *
 * @param label       a short name for the part, unique in the request ("doctor", "soccer player in red jerseys");
 *                    written into each of its regions as {@code group}
 * @param count       how many subjects, or null when the request leaves it open ("doctors and nurses")
 * @param head        the noun for one member ("nurse"), or null for people in general
 * @param words       one member as the request says it, singular ("basketball player"), or null
 * @param plural      whether the request names the part in the plural (an open count then means "a few")
 * @param constraints what the request asks of this part's attributes only
 * @param details     free words for this part's prompts: props, actions, clothing ("with balloons")
 */
public record Subgroup(String label, Integer count, String head, String words, boolean plural, Constraints constraints,
                       List<String> details) {

    public Subgroup {
        details = List.copyOf(details);
    }
}
