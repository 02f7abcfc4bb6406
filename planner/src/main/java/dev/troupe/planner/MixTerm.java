package dev.troupe.planner;

/**
 * One explicit part of a mix: "60% red jerseys" (a share), "two of them with glasses" (a count) or
 * "the rest men" (whatever the other terms leave).
 *
 * @param value  the dimension value this term asks for
 * @param kind   how {@code amount} is meant
 * @param amount a share in 0..1 for {@link Kind#SHARE}, a number of subjects for {@link Kind#COUNT}
 * @param phrase the request's words, for messages
 */
public record MixTerm(String value, Kind kind, double amount, String phrase) {

    public enum Kind { SHARE, COUNT, REST }
}
