package dev.troupe.planner;

import dev.troupe.planner.assign.AttributeSampler;
import dev.troupe.planner.layout.Layout;
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
import java.util.Locale;
import java.util.Map;

/**
 * Request in, {@link ScenePlan} out: understand the request, apportion and assign attributes, lay out
 * the boxes, write the prompts. The understanding and the writing are pluggable (rules and templates,
 * offline; or an LLM); the apportionment, sampling and layout are always this code's, so the
 * proportions are exact whoever read the request. With the rule reader and templates the same
 * request, options and seed give the same plan.
 */
public final class PlanBuilder {

    private final Lexicon lexicon;
    private final RequestReader parser;
    private final SubjectWriter subjectWriter;

    /** The offline planner: rule parser and profile templates. */
    public PlanBuilder(Lexicon lexicon) {
        this(lexicon, new RequestParser(lexicon), new TemplateSubjectWriter());
    }

    public PlanBuilder(Lexicon lexicon, RequestReader reader, SubjectWriter subjectWriter) {
        this.lexicon = lexicon;
        this.parser = reader;
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
        return parser.parse(request);
    }

    /** How many subjects a plan of {@code spec} with these options will have; fails as {@link #build} would. */
    public int subjectCount(GroupSpec spec, PlanOptions options) {
        return count(spec, options);
    }

    /** Plans a request that {@link #understand} has already read. */
    public PlanResult build(GroupSpec spec, PlanOptions options) {
        String request = spec.request();
        Profile profile = Profile.named(options.profile());
        int n = count(spec, options);
        Map<String, Distribution> targets = targets(spec, options, n);
        List<AttributeSampler.Target> order = new ArrayList<>();
        targets.forEach((dim, distribution) -> order.add(new AttributeSampler.Target(dim, distribution)));
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
        AttributeSampler.Assignment assignment =
                AttributeSampler.assign(n, order, options.overrides(), mix(options.seed(), 0x7A11L));

        Layout layout = options.layout() != null ? Layout.named(options.layout())
                : spec.layoutHint() != null ? Layout.named(spec.layoutHint()) : Layout.defaultFor(n);
        Layout.Placement placement = layout.place(n, profile.canvas(), options.seed(), options.maxOverlap(), options.size());

        PromptWriter writer = new PromptWriter(profile, lexicon);
        List<Map<String, String>> subjects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> attributes = new LinkedHashMap<>();
            Map<String, String> assigned = new LinkedHashMap<>(assignment.subjects().get(i));
            options.overrides().getOrDefault(i, Map.of()).forEach(assigned::put);
            for (String dim : lexicon.dimensions().keySet()) { // one order for every region: the data's
                if (assigned.containsKey(dim)) {
                    attributes.put(dim, assigned.get(dim));
                }
            }
            subjects.add(attributes);
        }
        SubjectWriter.Subjects written = subjectWriter.write(spec, subjects, placement, writer);
        List<Box> boxes = written.boxes() != null ? written.boxes() : placement.boxes();
        if (written.prompts().size() != n || boxes.size() != n) {
            throw new IllegalStateException("the subject writer returned " + written.prompts().size() + " prompts and "
                    + boxes.size() + " boxes for " + n + " subjects");
        }
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(new Region("s" + (i + 1), boxes.get(i), written.prompts().get(i), writer.regionNegativePrompt(),
                    mix(options.seed(), i + 1), 1.0, subjects.get(i), List.of()));
        }
        ScenePlan plan = new ScenePlan(ScenePlan.CURRENT_VERSION, request.strip(), placement.width(), placement.height(),
                writer.background(spec), writer.negativePrompt(), options.seed(), profile.model(), profile.name(),
                layout.id(), regions);
        PlanValidator.validate(plan);
        return new PlanResult(plan, spec, targets, assignment.counts());
    }

    private int count(GroupSpec spec, PlanOptions options) {
        Integer n = options.count() != null ? options.count() : spec.count();
        if (n == null) {
            String subject = spec.subjectWords() != null ? spec.subjectWords() : "people";
            throw new RequestException("how many? \"" + spec.request() + "\" gives no number (understood: "
                    + spec.understood() + "); add one, e.g. \"five " + plural(subject) + " ...\", or use --count 5");
        }
        if (n < 1 || n > lexicon.maxSubjects()) {
            throw new RequestException("count " + n + " is out of range; a plan has 1 to " + lexicon.maxSubjects() + " subjects");
        }
        return n;
    }

    /** Dimension -> the distribution a plan of {@code spec} with these options aims for, for a group of {@code n}. */
    public Map<String, Distribution> targets(GroupSpec spec, PlanOptions options, int n) {
        Map<String, Distribution> targets = new LinkedHashMap<>();
        for (Dimension d : lexicon.dimensions().values()) {
            String dim = d.name();
            if (options.mixes().containsKey(dim)) {
                targets.put(dim, options.mixes().get(dim));
            } else if (spec.fixed().containsKey(dim)) {
                targets.put(dim, Distribution.single(spec.fixed().get(dim)));
            } else if (spec.explicitMixes().containsKey(dim)) {
                targets.put(dim, resolve(d, spec.explicitMixes().get(dim), n, spec));
            } else if (spec.namedMixes().containsKey(dim)) {
                targets.put(dim, d.defaultMix());
            }
        }
        for (String dim : options.mixes().keySet()) {
            lexicon.dimension(dim); // names an unknown dimension
        }
        return targets;
    }

    /** Explicit terms ("60% red", "two of them", "the rest") to a distribution over all values. */
    private Distribution resolve(Dimension d, List<MixTerm> terms, int n, GroupSpec spec) {
        Map<String, Double> shares = new LinkedHashMap<>();
        d.values().keySet().forEach(v -> shares.put(v, 0.0));
        String rest = null;
        double sum = 0;
        List<String> phrases = new ArrayList<>();
        for (MixTerm term : terms) {
            phrases.add("'" + term.phrase() + "'");
            switch (term.kind()) {
                case SHARE -> {
                    shares.merge(term.value(), term.amount(), Double::sum);
                    sum += term.amount();
                }
                case COUNT -> {
                    if (term.amount() > n) {
                        throw new RequestException("'" + term.phrase() + "' asks for " + (int) term.amount()
                                + " subjects, but the group has " + n + "; ask for at most " + n);
                    }
                    shares.merge(term.value(), term.amount() / n, Double::sum);
                    sum += term.amount() / n;
                }
                case REST -> rest = term.value();
            }
        }
        String asked = String.join(" and ", phrases);
        if (sum > 1 + 1e-9) {
            throw new RequestException(String.format(Locale.ROOT,
                    "%s ask for %.0f%% of the group in %s; shares of one attribute add up to at most 100%%",
                    asked, sum * 100, d.name()));
        }
        double remainder = Math.max(0, 1 - sum);
        if (remainder > 1e-9) {
            if (rest != null) {
                shares.merge(rest, remainder, Double::sum);
            } else {
                Map<String, Double> others = new LinkedHashMap<>();
                double weight = 0;
                for (String v : d.values().keySet()) {
                    boolean named = terms.stream().anyMatch(t -> t.value().equals(v));
                    if (!named && d.defaultMix().share(v) > 0) {
                        others.put(v, d.defaultMix().share(v));
                        weight += d.defaultMix().share(v);
                    }
                }
                if (weight == 0) {
                    throw new RequestException(String.format(Locale.ROOT,
                            "%s cover only %.0f%% of the group in %s; say who the other %.0f%% are",
                            asked, sum * 100, d.name(), remainder * 100));
                }
                for (Map.Entry<String, Double> o : others.entrySet()) {
                    shares.merge(o.getKey(), remainder * o.getValue() / weight, Double::sum);
                }
            }
        }
        return new Distribution(shares);
    }

    private static String plural(String subject) {
        return subject.endsWith("s") ? subject : subject.equals("person") ? "people" : subject + "s";
    }

    /** A well-mixed 63-bit seed from the global seed and a stream index (SplitMix64's finaliser). */
    static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }
}
