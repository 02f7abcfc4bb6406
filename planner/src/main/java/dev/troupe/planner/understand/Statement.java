package dev.troupe.planner.understand;

import dev.troupe.planner.MixTerm;

/**
 * One thing a request says about one attribute of one part of the group (or of the whole group).
 *
 * @param scope     the mention it is about, or {@link Groups#WHOLE}
 * @param dimension the attribute
 * @param kind      how it is said
 * @param value     the value, for {@link Kind#FIXED}, {@link Kind#IMPLIED} and {@link Kind#ALONGSIDE}
 * @param term      the share, for {@link Kind#TERM} and {@link Kind#ALONGSIDE}
 * @param phrase    the request's words, for messages
 */
record Statement(int scope, String dimension, Kind kind, String value, MixTerm term, String phrase) {

    enum Kind {
        /** Every subject of the scope has the value: "female", "red jerseys". */
        FIXED,
        /** Implied by a noun ("bride": female; "basketball": jerseys); anything the request says wins. */
        IMPLIED,
        /** A mix over all the dimension's values: "multiracial", "of mixed ages". */
        NAMED_MIX,
        /** A share of the scope: "60% red", "two of them with glasses", "the rest men". */
        TERM,
        /** A value that came along with a term's own ("jerseys" in "60% red jerseys"): fixed if all terms agree. */
        ALONGSIDE
    }
}
