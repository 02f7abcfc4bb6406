package dev.troupe.batch.plan;

import dev.troupe.scene.UserInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * One of n parts of a manifest: shard i (0-based, as a Kubernetes indexed Job's JOB_COMPLETION_INDEX) takes the jobs
 * whose position in the expanded manifest is i modulo n. Positions, not worker timing, decide, so n machines given
 * 0/n ... (n-1)/n cover every job exactly once, and the shards differ in size by at most one job.
 */
public record Shard(int index, int count) {

    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new UserInputException("--shard " + index + "/" + count + ": the index counts from 0 to n-1, e.g. "
                    + "--shard 0/4 ... --shard 3/4 for four machines");
        }
    }

    public static Shard parse(String text) {
        String[] parts = text.strip().split("/");
        try {
            if (parts.length == 2) {
                return new Shard(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            }
        } catch (NumberFormatException ignored) {
            // the message below says what works
        }
        throw new UserInputException("--shard '" + text + "' needs the form i/n with 0 <= i < n, e.g. --shard 0/4 "
                + "(with a Kubernetes indexed Job: --shard $JOB_COMPLETION_INDEX/4)");
    }

    public <T> List<T> select(List<T> jobs) {
        List<T> mine = new ArrayList<>();
        for (int i = index; i < jobs.size(); i += count) {
            mine.add(jobs.get(i));
        }
        return mine;
    }

    public boolean whole() {
        return count == 1;
    }

    /** File-name suffix for this shard's batch files: "" for the whole manifest, else ".shard-2-of-4". */
    public String suffix() {
        return whole() ? "" : ".shard-" + index + "-of-" + count;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
