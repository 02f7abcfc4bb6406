package dev.troupe.planner.understand;

import java.util.List;

/**
 * What the first pass found: every number and share, and the fixed phrases it took (a style, a layout).
 *
 * @param quantities every count and share, in request order, not overlapping
 * @param styleId    a known style the request names ("watercolor"), or null
 * @param layoutHint a layout the request names ("rows"), or null
 * @param interleave whether the request asks the parts of the group to stand mixed
 */
record Phrases(List<Quantity> quantities, String styleId, String layoutHint, boolean interleave) {

    /** The quantity that ends just before token {@code end}, or null. */
    Quantity endingAt(int end) {
        for (Quantity q : quantities) {
            if (q.end() == end) {
                return q;
            }
        }
        return null;
    }

    /** The quantity that starts at token {@code start}, or null. */
    Quantity startingAt(int start) {
        for (Quantity q : quantities) {
            if (q.start() == start) {
                return q;
            }
        }
        return null;
    }
}
