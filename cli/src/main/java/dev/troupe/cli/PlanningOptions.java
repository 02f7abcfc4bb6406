package dev.troupe.cli;

import dev.troupe.batch.command.PlannerOptions;
import dev.troupe.planner.Distribution;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.PlanResult;
import dev.troupe.planner.layout.Layout;
import dev.troupe.planner.write.Profile;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/** The planner's options, shared by {@code troupe plan} and {@code troupe run}. */
public final class PlanningOptions {

    @Mixin
    PlannerOptions planner = new PlannerOptions();

    @Option(names = "--seed", description = "seed for attributes, layout and noise (default: random, written into the plan)")
    Long seed;

    @Option(names = "--count", description = "number of subjects (overrides the request)")
    Integer count;

    @Option(names = "--mix", paramLabel = "DIM=VALUE:WEIGHT,...",
            description = "distribution of one attribute, e.g. \"skin=light:1,medium:1,dark:1\" (repeatable; overrides the request)")
    List<String> mixes = List.of();

    @Option(names = "--set", paramLabel = "N:DIM=VALUE",
            description = "give subject N (from 1) a value whatever the mix says, e.g. \"2:glasses=yes\" (repeatable)")
    List<String> overrides = List.of();

    @Option(names = "--layout", description = "row, rows, grid or arc (default: by group size)")
    String layout;

    @Option(names = "--size", paramLabel = "WxH", description = "canvas size, multiples of 32 (default: the profile's scale)")
    String size;

    @Option(names = "--profile", defaultValue = Profile.DEFAULT, description = "prompt profile: embedded or sd15 (default: ${DEFAULT-VALUE})")
    String profile;

    @Option(names = "--max-overlap", defaultValue = "" + Layout.DEFAULT_MAX_OVERLAP,
            description = "most two boxes may share, as a fraction of the smaller (default: ${DEFAULT-VALUE})")
    double maxOverlap;

    /**
     * Plans {@code request} with these options, with the rule planner or the configured LLM, and says on
     * {@code err} what the user should know about how it was read (one line each).
     */
    PlanResult plan(String request, Map<String, String> environment, PrintWriter err) {
        PlanResult result = plan(planner.planBuilder(environment, err), request, seed, count, mixes, overrides, layout,
                size, profile, maxOverlap);
        result.notices().forEach(notice -> err.println("troupe: " + notice));
        return result;
    }

    /**
     * Plans {@code request} with {@code builder}, reading the options as {@code troupe plan} reads its flags (null:
     * the flag's default; a random seed is chosen and written into the plan). Shared with the studio's plan API.
     */
    public static PlanResult plan(PlanBuilder builder, String request, Long seed, Integer count, List<String> mixes,
                                  List<String> overrides, String layout, String size, String profile,
                                  Double maxOverlap) {
        long chosenSeed = seed != null ? seed : new SecureRandom().nextInt(Integer.MAX_VALUE);
        PlanOptions options = PlanOptions.seeded(chosenSeed).withCount(count)
                .withProfile(profile != null ? profile : Profile.DEFAULT).withLayout(layout)
                .withMaxOverlap(maxOverlap != null ? maxOverlap : Layout.DEFAULT_MAX_OVERLAP);
        if (size != null) {
            options = options.withSize(PlanOptions.parseSize(size));
        }
        for (String mix : mixes == null ? List.<String>of() : mixes) {
            Map.Entry<String, Distribution> parsed = PlanOptions.parseMix(mix, builder.lexicon());
            options = options.withMix(parsed.getKey(), parsed.getValue());
        }
        for (String override : overrides == null ? List.<String>of() : overrides) {
            options = options.withOverride(override, "--set", "--set 2:glasses=yes");
        }
        return builder.build(request, options);
    }
}
