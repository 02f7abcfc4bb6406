package dev.troupe.planner;

import java.util.ArrayList;
import java.util.List;

/**
 * How many subjects each part of the group gets. The request's counts, else what {@code --count} says, else a few
 * ({@code openCount} in {@code requests.yaml}, shared by the parts the request gives no number for), said in a notice.
 *
 * @param counts  per part, in the spec's order
 * @param notices what the user should know about counts the planner chose
 */
record Sizes(int[] counts, List<String> notices) {

    int total() {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        return n;
    }

    static Sizes of(GroupSpec spec, PlanOptions options, Lexicon lexicon) {
        List<Subgroup> groups = spec.groups();
        int k = groups.size();
        int[] counts = new int[k];
        List<String> notices = new ArrayList<>();
        int known = 0;
        List<Integer> open = new ArrayList<>();
        for (int g = 0; g < k; g++) {
            Integer c = groups.get(g).count();
            if (c == null) {
                open.add(g);
            } else {
                counts[g] = c;
                known += c;
            }
        }
        Integer total = options.count() != null ? options.count() : spec.total();
        if (k == 1) {
            Integer n = total != null ? total : groups.get(0).count();
            if (n == null) {
                n = lexicon.words().openCount();
                notices.add("the request gives no number, so the plan has " + n + " (say how many, e.g. \"five "
                        + plural(spec.firstNoun()) + "\", or use --count N)");
            }
            counts[0] = n;
        } else if (total != null) {
            if (open.isEmpty() && known != total) {
                String parts = describe(groups);
                throw new RequestException((options.count() != null ? "--count " + total : "the group of " + total)
                        + " does not match the parts the request names (" + parts + " = " + known + "); "
                        + (options.count() != null ? "drop --count or change the request" : "make them add up"));
            }
            if (known > total || open.size() > total - known) {
                throw new RequestException("the parts the request names (" + describe(groups) + ") need more than the "
                        + total + " subjects of the group; ask for more, or name fewer parts");
            }
            share(counts, open, total - known);
        } else if (!open.isEmpty()) {
            int n = Math.max(open.size(), lexicon.words().openCount());
            share(counts, open, n);
            List<String> chosen = new ArrayList<>();
            for (int g : open) {
                chosen.add(counts[g] + " " + (counts[g] == 1 ? groups.get(g).label() : plural(groups.get(g).label())));
            }
            notices.add("the request gives no number for " + String.join(" and ", chosen.stream()
                    .map(c -> c.substring(c.indexOf(' ') + 1)).toList()) + ", so the plan has " + String.join(", ", chosen)
                    + " (say how many, e.g. \"two " + plural(groups.get(open.get(0)).label()) + "\")");
        }
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        if (n < 1 || n > lexicon.maxSubjects()) {
            throw new RequestException("count " + n + " is out of range; a plan has 1 to " + lexicon.maxSubjects()
                    + " subjects");
        }
        return new Sizes(counts, List.copyOf(notices));
    }

    /** {@code n} subjects over the open parts, as evenly as can be, the earlier parts first. */
    private static void share(int[] counts, List<Integer> open, int n) {
        for (int j = 0; j < open.size(); j++) {
            counts[open.get(j)] = n / open.size() + (j < n % open.size() ? 1 : 0);
        }
    }

    private static String describe(List<Subgroup> groups) {
        List<String> parts = new ArrayList<>();
        for (Subgroup g : groups) {
            parts.add((g.count() == null ? "some" : g.count().toString()) + " " + g.label());
        }
        return String.join(" + ", parts);
    }

    static String plural(String subject) {
        if (subject.endsWith("person")) {
            return subject.substring(0, subject.length() - "person".length()) + "people";
        }
        if (subject.endsWith("man") && !subject.endsWith("human")) {
            return subject.substring(0, subject.length() - 3) + "men";
        }
        if (subject.endsWith("child")) {
            return subject + "ren";
        }
        return subject.endsWith("s") ? subject : subject.endsWith("y") && !subject.endsWith("ey")
                ? subject.substring(0, subject.length() - 1) + "ies" : subject + "s";
    }
}
