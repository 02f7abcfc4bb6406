package dev.troupe.planner;

import dev.troupe.planner.assign.GroupAssignment;
import dev.troupe.planner.assign.Seeds;
import dev.troupe.planner.layout.Layout;
import dev.troupe.planner.understand.RuleReader;
import dev.troupe.planner.write.Profile;
import dev.troupe.planner.write.PromptWriter;
import dev.troupe.planner.write.SubjectWriter;
import dev.troupe.planner.write.TemplateSubjectWriter;
import dev.troupe.scene.Box;
import dev.troupe.scene.PlanValidator;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Request in, {@link ScenePlan} out, top to bottom: understand the request (its parts, counts, mixes and details),
 * size the parts, lay out the boxes, give each part its places (together, left to right), apportion and assign the
 * attributes, write the prompts. The understanding and the writing are pluggable (rules and templates, offline; or
 * an LLM); the sizes, apportionment, sampling and layout are always this code's, so the proportions are exact
 * whoever read the request. With the rule reader and templates the same request, options and seed give the same plan.
 */
public final class PlanBuilder {

    private final Lexicon lexicon;
    private final RequestReader reader;
    private final SubjectWriter subjectWriter;

    /** The offline planner: rule reader and profile templates. */
    public PlanBuilder(Lexicon lexicon) {
        this(lexicon, new RuleReader(lexicon), new TemplateSubjectWriter());
    }

    public PlanBuilder(Lexicon lexicon, RequestReader reader, SubjectWriter subjectWriter) {
        this.lexicon = lexicon;
        this.reader = reader;
        this.subjectWriter = subjectWriter;
    }

    public static PlanBuilder standard() {
        return new PlanBuilder(Lexicon.standard());
    }

    public Lexicon lexicon() {
        return lexicon;
    }

    public PlanResult build(String request, PlanOptions options) {
        return build(understand(request), options);
    }

    /** What the request asks for (the reader's part of {@link #build}), e.g. to size a batch before planning it. */
    public GroupSpec understand(String request) {
        return reader.parse(request);
    }

    /** How many subjects a plan of {@code spec} with these options will have; fails as {@link #build} would. */
    public int subjectCount(GroupSpec spec, PlanOptions options) {
        return Sizes.of(spec, options, lexicon).total();
    }

    /**
     * The count of each value a plan of {@code spec} with these options will have, over the whole scene, for every
     * dimension that the request, a mix, an override or a fill gives any subject a value of; the subjects it leaves
     * without one are not counted. The counts are the same whatever fills are later added for other dimensions (each
     * dimension is apportioned with a seed of its own), so a batch can read them before it shares out its quotas.
     */
    public Map<String, Map<String, Integer>> assignedCounts(GroupSpec spec, PlanOptions options) {
        Sizes sizes = Sizes.of(spec, options, lexicon);
        Layout layout = layout(spec, options, sizes.total());
        Layout.Placement placement = layout.place(sizes.total(), Profile.named(options.profile()).canvas(), options.seed(),
                options.maxOverlap(), options.size());
        GroupAssignment.Result assignment = assign(spec, options, sizes, places(spec, layout, placement, sizes));
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        for (String dim : lexicon.dimensions().keySet()) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Map<String, String> s : assignment.subjects()) {
                if (s.containsKey(dim)) {
                    counts.merge(s.get(dim), 1, Integer::sum);
                }
            }
            if (!counts.isEmpty()) {
                out.put(dim, counts);
            }
        }
        return out;
    }

    /** Plans a request that {@link #understand} has already read. */
    public PlanResult build(GroupSpec spec, PlanOptions options) {
        Profile profile = Profile.named(options.profile());
        Sizes sizes = Sizes.of(spec, options, lexicon);
        int n = sizes.total();
        checkOverrides(options, n);

        Layout layout = layout(spec, options, n);
        Layout.Placement placement = layout.place(n, profile.canvas(), options.seed(), options.maxOverlap(), options.size());
        int[] partOf = places(spec, layout, placement, sizes);
        GroupAssignment.Result assignment = assign(spec, options, sizes, partOf);

        PromptWriter writer = new PromptWriter(profile, lexicon);
        List<SubjectWriter.Subject> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            subjects.add(new SubjectWriter.Subject(spec.groups().get(partOf[i]), assignment.subjects().get(i)));
        }
        SubjectWriter.Subjects written = subjectWriter.write(spec, subjects, placement, writer);
        List<Box> boxes = written.boxes() != null ? written.boxes() : placement.boxes();
        if (written.prompts().size() != n || boxes.size() != n) {
            throw new IllegalStateException("the subject writer returned " + written.prompts().size() + " prompts and "
                    + boxes.size() + " boxes for " + n + " subjects");
        }
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(new Region("s" + (i + 1), spec.groups().get(partOf[i]).label(), boxes.get(i),
                    written.prompts().get(i), writer.regionNegativePrompt(), Seeds.mix(options.seed(), i + 1), 1.0,
                    assignment.subjects().get(i), List.of()));
        }
        ScenePlan plan = new ScenePlan(ScenePlan.CURRENT_VERSION, spec.request().strip(), placement.width(),
                placement.height(), writer.background(spec), writer.negativePrompt(), options.seed(), profile.model(),
                profile.name(), layout.id(), regions);
        PlanValidator.validate(plan);
        List<String> notices = new ArrayList<>(spec.notices());
        notices.addAll(sizes.notices());
        String undrawable = writer.undrawable(spec);
        if (undrawable != null) {
            notices.add(undrawable);
        }
        return new PlanResult(plan, spec, assignment.targets(), notices);
    }

    private void checkOverrides(PlanOptions options, int n) {
        for (Map.Entry<Integer, Map<String, String>> o : options.overrides().entrySet()) {
            if (o.getKey() < 0 || o.getKey() >= n) {
                throw new RequestException("override for subject " + (o.getKey() + 1) + ", but the group has " + n);
            }
            o.getValue().forEach((dim, value) -> {
                if (!lexicon.dimension(dim).hasValue(value)) {
                    throw new RequestException("override " + dim + "=" + value + ": not a value of " + dim + "; values: "
                            + String.join(", ", lexicon.dimension(dim).values().keySet()));
                }
            });
        }
        for (String dim : options.mixes().keySet()) {
            lexicon.dimension(dim); // names an unknown dimension
        }
    }

    private static Layout layout(GroupSpec spec, PlanOptions options, int n) {
        return options.layout() != null ? Layout.named(options.layout())
                : spec.layoutHint() != null ? Layout.named(spec.layoutHint()) : Layout.defaultFor(n);
    }

    /**
     * Which part of the group stands in each box: the parts take consecutive places in the order a viewer reads the
     * group, so each part stands together; a request that asks them to mix ("mingling") has them take turns.
     */
    private static int[] places(GroupSpec spec, Layout layout, Layout.Placement placement, Sizes sizes) {
        int n = sizes.total();
        int[] partOf = new int[n];
        if (spec.groups().size() == 1) {
            return partOf;
        }
        List<Integer> order = layout.readingOrder(placement);
        List<Integer> sequence = new ArrayList<>();
        if (spec.interleave()) {
            int[] left = sizes.counts().clone();
            while (sequence.size() < n) {
                for (int g = 0; g < left.length; g++) {
                    if (left[g] > 0) {
                        sequence.add(g);
                        left[g]--;
                    }
                }
            }
        } else {
            for (int g = 0; g < sizes.counts().length; g++) {
                for (int k = 0; k < sizes.counts()[g]; k++) {
                    sequence.add(g);
                }
            }
        }
        for (int place = 0; place < n; place++) {
            partOf[order.get(place)] = sequence.get(place);
        }
        return partOf;
    }

    private GroupAssignment.Result assign(GroupSpec spec, PlanOptions options, Sizes sizes, int[] partOf) {
        List<GroupAssignment.Part> parts = new ArrayList<>();
        for (int g = 0; g < spec.groups().size(); g++) {
            List<Integer> subjects = new ArrayList<>();
            for (int i = 0; i < partOf.length; i++) {
                if (partOf[i] == g) {
                    subjects.add(i);
                }
            }
            Subgroup part = spec.groups().get(g);
            parts.add(new GroupAssignment.Part(part.label(), part.constraints(), subjects));
        }
        return GroupAssignment.assign(lexicon.dimensions(), sizes.total(), parts, spec.whole(), options.mixes(),
                options.overrides(), options.fills(), options.seed());
    }
}
