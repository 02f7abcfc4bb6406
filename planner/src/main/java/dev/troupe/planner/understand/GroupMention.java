package dev.troupe.planner.understand;

/**
 * A part of the group as the request names it: "two doctors", "a teacher", "3 in red jerseys" (a part of "7 soccer
 * players"), or the remainder of a group its named parts do not fill.
 *
 * @param parent     the mention this is a part of, or -1
 * @param start      the first token of the mention (its count or article)
 * @param headStart  the first token of the noun ("women" in "women doctors" is a modifier: the noun is "doctors")
 * @param headEnd    the token after the noun, or after "of 5" in "a team of 5"
 * @param end        the token after the last that belongs to this part (what follows the noun up to the next part)
 * @param head       the noun for one member, singular ("nurse", "player" for "team"), or null for a part without one
 * @param count      how many the request says, or null
 * @param countWords the words of the count, for messages
 * @param plural     whether the noun is plural
 * @param collective the group noun ("team") when there is one
 * @param remainder  true for the members of a group that its named parts leave over
 */
record GroupMention(int parent, int start, int headStart, int headEnd, int end, String head, Integer count,
                    String countWords, boolean plural, String collective, boolean remainder) {

    boolean isPart() {
        return parent >= 0;
    }
}
