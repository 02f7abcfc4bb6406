package dev.troupe.batch.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Output names for jobs. A name from a manifest becomes lower-case letters, digits, '-' and '_' only: no path
 * separators, no "..", no dots at all (so one job's {@code x.plan.json} is never another job's output), and no
 * names that differ only in case (one folder on a case-insensitive disk). A name already taken gets "-2", "-3"...
 * in manifest order, so every shard of the same manifest names every job alike.
 */
final class JobNames {
    static final int MAX_LENGTH = 80;

    private final Set<String> taken = new HashSet<>();

    /** {@code text} as a safe file name stem, never empty. */
    static String sanitize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lower.length() && out.length() < MAX_LENGTH; i++) {
            char c = lower.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (safe) {
                out.append(c);
            } else if (out.length() > 0 && out.charAt(out.length() - 1) != '-') {
                out.append('-');
            }
        }
        int end = out.length();
        while (end > 0 && (out.charAt(end - 1) == '-' || out.charAt(end - 1) == '_')) {
            end--;
        }
        String name = out.substring(0, end);
        return name.isEmpty() ? "job" : name;
    }

    /** The name a job asks for, or one made from its position and the first words of its request or plan file. */
    static String baseName(JsonNode job, int ordinal) {
        JsonNode name = job.get("name");
        if (name != null && name.isTextual() && !name.asText().isBlank()) {
            return sanitize(name.asText());
        }
        String from = job.path("request").isTextual() ? job.path("request").asText()
                : job.path("plan").isTextual() ? job.path("plan").asText().replaceAll("^.*[/\\\\]", "").replaceAll("\\.json$", "")
                : "";
        String words = String.join("-", from.strip().split("\\s+", 6).length > 5
                ? java.util.Arrays.copyOf(from.strip().split("\\s+", 6), 5) : from.strip().split("\\s+"));
        String stem = sanitize(String.format(Locale.ROOT, "%04d-%s", ordinal, words));
        return stem.length() > 48 ? sanitize(stem.substring(0, 48)) : stem;
    }

    /** {@code base}, or base-2, base-3... whichever is free; then it is taken. */
    String claim(String base) {
        String name = base;
        for (int k = 2; taken.contains(name); k++) {
            name = base + "-" + k;
        }
        taken.add(name);
        return name;
    }
}
