package dev.troupe.planner.understand;

/**
 * A number or a share in a request, as the first pass finds it: "5", "a dozen" and "a few" before a noun are counts;
 * "60%", "half", "1 in 3", "two of them", "the rest" and "all of them" are shares of a group.
 *
 * @param kind   what the words say
 * @param amount the count for {@link Kind#COUNT}, {@link Kind#ROUGH_COUNT} and {@link Kind#COUNT_OF}; the share in
 *               0..1 for {@link Kind#SHARE}; unused for {@link Kind#REST} and {@link Kind#EVERYONE}
 * @param start  first token
 * @param end    token after the last
 * @param words  the request's words
 */
record Quantity(Kind kind, double amount, int start, int end, String words) {

    enum Kind {
        /** An exact number of subjects: "5", "twenty-one", "a dozen". */
        COUNT,
        /** A rough number before a noun: "a few friends", "several students". */
        ROUGH_COUNT,
        /** A share of a group: "60%", "half", "a third", "1 in 3", "most". */
        SHARE,
        /** A number of a group's members: "two of them", "4 of whom". */
        COUNT_OF,
        /** What the other terms of a mix leave: "the rest", "the others". */
        REST,
        /** Every member: "all of them", "everyone". */
        EVERYONE
    }

    boolean isCount() {
        return kind == Kind.COUNT || kind == Kind.ROUGH_COUNT;
    }
}
