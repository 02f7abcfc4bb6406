package dev.troupe.planner.understand;

import dev.troupe.planner.Constraints;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.MixTerm;
import dev.troupe.planner.RequestException;
import dev.troupe.planner.RequestReader;
import dev.troupe.planner.Subgroup;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The offline reader: an English group request to a {@link GroupSpec}, in six passes over the request's tokens, each
 * taking the words it understands so that the next does not read them again:
 * <ol>
 *   <li>{@link PhraseReader}: framing words, styles and layouts, every number and share;</li>
 *   <li>{@link GroupReader}: the parts of the group, their counts and nouns, and which part each word is about;</li>
 *   <li>{@link MixReader}: named mixes, shares and lists;</li>
 *   <li>{@link AttributeReader}: values fixed for a part;</li>
 *   <li>{@link SceneReader}: the place and free-form style;</li>
 *   <li>{@link DetailReader}: the words left, as free details for the prompts.</li>
 * </ol>
 * Then the statements are put together per part, with what a noun implies ("bride": female) where the request says
 * nothing itself. A request fails only when no person can be found or a count is impossible; everything else it
 * cannot use becomes a detail or a notice.
 */
public final class RuleReader implements RequestReader {

    private final Lexicon lexicon;
    private final RequestWords w;
    private final AttributePatterns patterns;

    public RuleReader(Lexicon lexicon) {
        this.lexicon = lexicon;
        this.w = lexicon.words();
        this.patterns = new AttributePatterns(w);
    }

    /** A refusal: the problem, then a request that works. */
    static RequestException refuse(RequestWords words, String problem) {
        return new RequestException(problem + "; a request that works: \"" + words.example + "\"");
    }

    @Override
    public GroupSpec parse(String request) {
        Sentence s = new Sentence(RequestReader.checked(request, lexicon));
        Phrases phrases = new PhraseReader(w).read(s);
        Groups groups = new GroupReader(w).read(s, phrases);
        List<String> notices = new ArrayList<>();
        List<Statement> statements = new ArrayList<>(new MixReader(w, patterns).read(s, phrases, groups, notices));
        statements.addAll(new AttributeReader(w, patterns).read(s, groups));
        Map<Integer, List<String>> modifiers = takeModifiers(s, groups);
        SceneReader.Scene scene = new SceneReader(w).read(s);
        List<DetailReader.Detail> details = new DetailReader(w).read(s, groups);
        return assemble(s, phrases, groups, statements, modifiers, scene, details, notices);
    }

    /** The words before a part's noun that no pass took describe the member ("basketball" player, "jazz" musician). */
    private Map<Integer, List<String>> takeModifiers(Sentence s, Groups g) {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (int m = 0; m < g.mentions().size(); m++) {
            GroupMention mention = g.mentions().get(m);
            List<String> words = new ArrayList<>();
            for (int k = mention.start(); k < mention.headEnd(); k++) {
                if (s.free(k) && !s.isPunctuation(k) && !w.stopwords.contains(s.at(k)) && !w.determiners.contains(s.at(k))) {
                    words.add(s.at(k));
                    s.take(k, k + 1, "modifier");
                }
            }
            out.put(m, words);
        }
        return out;
    }

    private GroupSpec assemble(Sentence s, Phrases phrases, Groups g, List<Statement> statements,
                               Map<Integer, List<String>> modifiers, SceneReader.Scene scene,
                               List<DetailReader.Detail> details, List<String> notices) {
        Map<Integer, Scoped> scopes = new LinkedHashMap<>();
        for (Statement st : statements) {
            scopes.computeIfAbsent(st.scope(), k -> new Scoped()).add(st, notices);
        }
        g.merged().forEach((m, words) -> scopes.computeIfAbsent(m, k -> new Scoped())
                .add(new Statement(m, "gender", Statement.Kind.NAMED_MIX, null, null, words), notices));
        // what the nouns imply, for the parts the request names with them
        Map<Integer, Map<String, String>> implied = new LinkedHashMap<>();
        for (int m = 0; m < g.mentions().size(); m++) {
            GroupMention mention = g.mentions().get(m);
            Map<String, String> values = new LinkedHashMap<>();
            if (mention.head() != null && !g.merged().containsKey(m)) {
                values.putAll(w.implied(mention.head()));
            }
            for (String word : modifiers.getOrDefault(m, List.of())) {
                w.implied(word).forEach(values::putIfAbsent);
            }
            implied.put(m, values);
        }
        Map<Integer, Constraints> resolved = new LinkedHashMap<>();
        scopes.forEach((scope, scoped) -> resolved.put(scope, scoped.resolve(notices)));

        List<Subgroup> parts = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (int leaf : g.leaves()) {
            List<Integer> lineage = g.lineage(leaf);
            GroupMention own = g.mentions().get(leaf);
            GroupMention top = g.mentions().get(lineage.get(lineage.size() - 1));
            int topIndex = lineage.get(lineage.size() - 1);
            // the member's noun and words: a part of a group is a member of that group ("3 women" of a team are
            // female players), unless it names a noun of its own ("a band of 4: 1 singer and 3 guitarists")
            boolean ownNoun = own.head() != null && own != top && !w.genericNouns.contains(own.head());
            String head = ownNoun || own == top ? own.head() : top.head();
            List<String> words = new ArrayList<>(modifiers.getOrDefault(ownNoun ? leaf : topIndex, List.of()));
            if (head != null) {
                words.add(head);
            }
            String memberWords = words.isEmpty() ? null : String.join(" ", words);
            // constraints: the innermost scope that says anything about a dimension decides it
            Map<String, String> fixed = new LinkedHashMap<>();
            Map<String, String> named = new LinkedHashMap<>();
            Map<String, List<MixTerm>> terms = new LinkedHashMap<>();
            Set<String> said = new HashSet<>();
            for (int scope : lineage) {
                Constraints c = resolved.getOrDefault(scope, Constraints.NONE);
                for (String dim : lexicon.dimensions().keySet()) {
                    if (said.contains(dim) || !c.mentions(dim)) {
                        continue;
                    }
                    said.add(dim);
                    if (c.fixed().containsKey(dim)) {
                        fixed.put(dim, c.fixed().get(dim));
                    } else if (c.explicitMixes().containsKey(dim)) {
                        terms.put(dim, c.explicitMixes().get(dim));
                    } else {
                        named.put(dim, c.namedMixes().get(dim));
                    }
                }
            }
            for (int scope : lineage) {
                for (Map.Entry<String, String> e : implied.getOrDefault(scope, Map.of()).entrySet()) {
                    if (!said.contains(e.getKey())) {
                        fixed.put(e.getKey(), e.getValue());
                        said.add(e.getKey());
                    } else if (fixed.containsKey(e.getKey()) && !fixed.get(e.getKey()).equals(e.getValue())
                            && e.getKey().equals("gender") && scope == leaf) {
                        notices.add("'" + s.at(own.headStart()) + "' and " + e.getKey() + "=" + fixed.get(e.getKey())
                                + " disagree; drew " + e.getKey() + "=" + fixed.get(e.getKey()));
                    }
                }
            }
            List<String> own_details = new ArrayList<>();
            for (DetailReader.Detail d : details) {
                if (d.scope() != Groups.WHOLE && lineage.contains(d.scope())) {
                    own_details.add(d.words());
                }
            }
            String label = label(s, own, memberWords != null ? memberWords : "person", lineage.size() > 1, ownNoun);
            String unique = label;
            for (int n = 2; !labels.add(unique); n++) {
                unique = label + " " + n;
            }
            boolean plural = own == top ? own.plural() : true;
            parts.add(new Subgroup(unique, own.count(), head, memberWords, plural,
                    new Constraints(fixed, named, terms), own_details));
        }
        List<String> shared = new ArrayList<>();
        for (DetailReader.Detail d : details) {
            if (d.scope() == Groups.WHOLE) {
                shared.add(d.words());
            }
        }
        Integer total = g.total();
        return new GroupSpec(s.request, parts, total, resolved.getOrDefault(Groups.WHOLE, Constraints.NONE),
                scene.sceneWords(), scene.sceneId(), phrases.styleId(), scene.styleWords(), phrases.layoutHint(),
                phrases.interleave(), shared, notices);
    }

    /** "doctor"; for a part of a group, what sets it apart: "soccer player in red jerseys", "soccer player (others)". */
    private String label(Sentence s, GroupMention m, String words, boolean isPart, boolean ownNoun) {
        if (!isPart) {
            return words;
        }
        if (m.remainder()) {
            return words + " (others)";
        }
        if (ownNoun) {
            return words;
        }
        String own = m.headEnd() < m.end() ? s.words(m.headEnd(), m.end()).strip() : "";
        if (m.head() != null && w.genericNouns.contains(m.head())) {
            own = (s.at(m.headStart()) + " " + own).strip();
        }
        return own.isEmpty() ? words : words + " " + own;
    }

    /** The statements of one scope, put together: fixed values win over mixes, the first of two values wins. */
    private static final class Scoped {
        final Map<String, String> fixed = new LinkedHashMap<>();
        final Map<String, String> fixedPhrase = new LinkedHashMap<>();
        final Map<String, String> named = new LinkedHashMap<>();
        final Map<String, List<MixTerm>> terms = new LinkedHashMap<>();
        final Map<String, List<Statement>> alongside = new LinkedHashMap<>();

        void add(Statement st, List<String> notices) {
            String dim = st.dimension();
            switch (st.kind()) {
                case FIXED -> {
                    String before = fixed.get(dim);
                    if (before == null) {
                        fixed.put(dim, st.value());
                        fixedPhrase.put(dim, st.phrase());
                    } else if (!before.equals(st.value())) {
                        notices.add("'" + fixedPhrase.get(dim) + "' and '" + st.phrase() + "' both set " + dim
                                + "; kept '" + fixedPhrase.get(dim) + "' (for a mix, say e.g. 'half of them "
                                + st.phrase() + "')");
                    }
                }
                case NAMED_MIX -> named.putIfAbsent(dim, st.phrase());
                case TERM -> terms.computeIfAbsent(dim, d -> new ArrayList<>()).add(st.term());
                case ALONGSIDE -> alongside.computeIfAbsent(dim, d -> new ArrayList<>()).add(st);
                case IMPLIED -> throw new IllegalArgumentException("implied values are not statements of a scope");
            }
        }

        Constraints resolve(List<String> notices) {
            Map<String, String> f = new LinkedHashMap<>(fixed);
            Map<String, String> n = new LinkedHashMap<>();
            Map<String, List<MixTerm>> e = new LinkedHashMap<>();
            // "60% red jerseys and 40% blue jerseys": 'jerseys' holds for all when every term agrees
            alongside.forEach((dim, list) -> {
                boolean agree = list.stream().allMatch(x -> x.value().equals(list.get(0).value()));
                if (agree && !terms.containsKey(dim) && !named.containsKey(dim)) {
                    f.putIfAbsent(dim, list.get(0).value());
                } else if (!f.containsKey(dim)) {
                    for (Statement x : list) {
                        e.computeIfAbsent(dim, d -> new ArrayList<>()).add(new MixTerm(x.value(), x.term().kind(),
                                x.term().amount(), x.term().phrase()));
                    }
                }
            });
            terms.forEach((dim, list) -> {
                if (f.containsKey(dim)) {
                    notices.add("'" + fixedPhrase.getOrDefault(dim, f.get(dim)) + "' sets " + dim + " for everyone, but '"
                            + list.get(0).phrase() + "' asks for a mix; kept '" + fixedPhrase.getOrDefault(dim, f.get(dim))
                            + "'");
                } else {
                    e.computeIfAbsent(dim, d -> new ArrayList<>()).addAll(list);
                }
            });
            named.forEach((dim, phrase) -> {
                if (f.containsKey(dim)) {
                    notices.add("'" + fixedPhrase.getOrDefault(dim, f.get(dim)) + "' sets " + dim + " for everyone, but '"
                            + phrase + "' asks for a mix; kept '" + fixedPhrase.getOrDefault(dim, f.get(dim)) + "'");
                } else if (!e.containsKey(dim)) {
                    n.put(dim, phrase);
                }
            });
            return new Constraints(f, n, e);
        }
    }
}
