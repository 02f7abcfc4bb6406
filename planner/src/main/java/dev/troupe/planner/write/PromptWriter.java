package dev.troupe.planner.write;

import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.Subgroup;
import dev.troupe.planner.understand.Words;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes prompts from a profile's templates: one per subject (from its assigned attributes), the
 * background prompt, and the negative prompts.
 *
 * <p>A template is a list of parts joined by ", ". {@code {dim}} is a dimension's value (or the
 * profile's word for it), {@code {dim|word}} falls back to {@code word} when the part is kept,
 * {@code {noun}}, {@code {scene}}, {@code {style}} are the subject noun, scene and style phrases,
 * {@code {details}} the request's free details for the subject's part and for everyone ("with balloons"), and
 * {@code {a}} is "a" or "an" for the word after it. A part whose dimension slots are all unassigned is
 * left out, so an unrequested attribute is never written and the model varies it.
 */
public final class PromptWriter {

    private static final Pattern SLOT = Pattern.compile("\\{([a-z_]+)(?:\\|([^}]*))?}");
    private static final Set<String> COMPUTED = Set.of("noun", "scene", "style", "details", "a");
    private static final String ARTICLE = "\u0001";

    private final Profile profile;
    private final Lexicon lexicon;

    public PromptWriter(Profile profile, Lexicon lexicon) {
        this.profile = profile;
        this.lexicon = lexicon;
    }

    public Profile profile() {
        return profile;
    }

    /** The prompt of one subject with these attributes, e.g. "a woman, tan skin, red jersey, on an indoor court". */
    public String subject(Map<String, String> attributes, Subgroup group, GroupSpec spec) {
        List<String> kept = new ArrayList<>();
        List<String> keptTemplates = new ArrayList<>();
        for (String part : profile.subjectParts()) {
            if (shadowedByAlternative(part, keptTemplates)) {
                continue;
            }
            String text = render(part, attributes, group, spec, false);
            if (text != null) {
                kept.add(text);
                keptTemplates.add(part);
            }
        }
        return String.join(", ", kept);
    }

    public String background(GroupSpec spec) {
        List<String> kept = new ArrayList<>();
        for (String part : profile.background().split(",")) {
            String text = render(part.strip(), Map.of(), spec.groups().get(0), spec, true);
            if (text != null) {
                kept.add(text);
            }
        }
        return kept.isEmpty() ? scene(spec, true) : String.join(", ", kept);
    }

    public String negativePrompt() {
        return profile.negativePrompt();
    }

    public String regionNegativePrompt() {
        return profile.regionNegativePrompt();
    }

    /** The noun for one subject under this profile's rules ("woman", "female basketball player", "person"). */
    public String noun(Map<String, String> attributes, Subgroup group) {
        String gender = attributes.get("gender");
        String head = group.head();
        if (!profile.knownNouns().isEmpty()) { // a closed vocabulary: only nouns the model was trained on
            if (gender != null && profile.nounByGender().containsKey(gender)) {
                return profile.nounByGender().get(gender);
            }
            return head != null && profile.knownNouns().contains(head) ? head : profile.fallbackNoun();
        }
        boolean generic = head == null || profile.genericNouns().contains(head);
        if (generic) {
            if (gender != null && profile.nounByGender().containsKey(gender)) {
                return profile.nounByGender().get(gender);
            }
            return head != null ? head : profile.fallbackNoun();
        }
        String words = group.words() != null ? group.words() : head;
        String own = lexicon.words().implied(head).get("gender");
        if (own != null) {
            // "bride", "groom": the noun says it; a subject drawn otherwise is named by its gender
            return gender == null || gender.equals(own) || !profile.nounByGender().containsKey(gender) ? words
                    : profile.nounByGender().get(gender);
        }
        if (gender != null && profile.genderAdjective().containsKey(gender)) {
            return profile.genderAdjective().get(gender) + " " + words;
        }
        return words;
    }

    /** The free details for a subject of {@code group}: its part's, then everyone's; none for a closed vocabulary. */
    public String details(Subgroup group, GroupSpec spec) {
        if (!profile.freeDetails()) {
            return "";
        }
        List<String> all = new ArrayList<>(group.details());
        all.addAll(spec.details());
        return String.join(", ", all);
    }

    /**
     * For a profile whose model knows only its training words: one line naming the request's words it cannot draw
     * (free details, subject words, an unknown place), or null when it can draw them all.
     */
    public String undrawable(GroupSpec spec) {
        if (profile.vocabulary().isEmpty()) {
            return null;
        }
        Set<String> known = new java.util.HashSet<>(profile.vocabulary());
        List<String> missing = new ArrayList<>();
        for (Subgroup g : spec.groups()) {
            if (g.words() != null) {
                // the words that describe the member ("jazz" musician); the noun itself falls back to one it knows
                for (String word : g.words().split(" ")) {
                    if (!known.contains(word) && !word.equals(g.head()) && !lexicon.words().stopwords().contains(word)
                            && !missing.contains("'" + word + "'")) {
                        missing.add("'" + word + "'");
                    }
                }
            }
            if (!profile.freeDetails()) {
                g.details().forEach(d -> missing.add("'" + d + "'"));
            }
        }
        if (!profile.freeDetails()) {
            spec.details().forEach(d -> missing.add("'" + d + "'"));
        }
        boolean unknownPlace = spec.sceneWords() != null && !profile.useRequestScene()
                && (spec.sceneId() == null || !profile.scenes().containsKey(spec.sceneId()));
        if (unknownPlace) {
            missing.add("'" + spec.sceneWords() + "' (drawn as " + profile.scenes().get(profile.defaultScene()).alone() + ")");
        }
        if (spec.styleWords() != null && !profile.keepFreeStyle()) {
            missing.add("'" + spec.styleWords() + "'");
        }
        if (missing.isEmpty()) {
            return null;
        }
        return "the " + profile.name() + " model cannot draw " + String.join(", ", missing) + ": it knows only the words "
                + "it was trained on, so its prompts leave them out (a Stable Diffusion model with --profile sd15 draws them)";
    }

    /** The scene phrase: with a subject ("on an indoor court") or alone ("an indoor court"). */
    public String scene(GroupSpec spec, boolean alone) {
        if (profile.useRequestScene() && spec.sceneWords() != null) {
            if (!alone) {
                return spec.sceneWords();
            }
            List<String> words = Words.tokens(spec.sceneWords());
            for (List<String> preposition : lexicon.scenePrepositions()) {
                if (words.size() > preposition.size() && words.subList(0, preposition.size()).equals(preposition)) {
                    return String.join(" ", words.subList(preposition.size(), words.size()));
                }
            }
            return spec.sceneWords();
        }
        String id = spec.sceneId() != null && profile.scenes().containsKey(spec.sceneId()) ? spec.sceneId()
                : profile.defaultScene();
        Profile.SceneWords scene = profile.scenes().get(id);
        return alone ? scene.alone() : scene.subject();
    }

    /** The scene the embedded model draws for this request ("court"), the default when none matched. */
    public String sceneId(GroupSpec spec) {
        return spec.sceneId() != null && profile.scenes().containsKey(spec.sceneId()) ? spec.sceneId() : profile.defaultScene();
    }

    public String style(GroupSpec spec) {
        if (spec.styleWords() != null && profile.keepFreeStyle()) {
            return spec.styleWords();
        }
        return spec.styleId() == null ? "" : profile.styles().getOrDefault(spec.styleId(), "");
    }

    private boolean shadowedByAlternative(String part, List<String> keptTemplates) {
        for (List<String> group : profile.alternatives()) {
            if (group.contains(part)) {
                for (String other : group) {
                    if (keptTemplates.contains(other)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** @return the part's text, or null when it is left out */
    private String render(String part, Map<String, String> attributes, Subgroup group, GroupSpec spec, boolean alone) {
        for (String required : profile.requires().getOrDefault(part, List.of())) {
            if (!attributes.containsKey(required)) {
                return null;
            }
        }
        Matcher m = SLOT.matcher(part);
        boolean hasDimension = false;
        boolean anyAssigned = false;
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String slot = m.group(1);
            String replacement;
            if (COMPUTED.contains(slot)) {
                replacement = switch (slot) {
                    case "noun" -> noun(attributes, group);
                    case "scene" -> scene(spec, alone);
                    case "style" -> style(spec);
                    case "details" -> details(group, spec);
                    default -> ARTICLE;
                };
                // a part that names the subject, the scene or the style stands without attributes
                anyAssigned |= !slot.equals("a") && !replacement.isBlank();
            } else {
                hasDimension = true;
                String value = attributes.get(slot);
                if (value == null) {
                    replacement = m.group(2) != null ? m.group(2) : "";
                } else {
                    anyAssigned = true;
                    replacement = profile.words().getOrDefault(slot, Map.of()).getOrDefault(value, value);
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        if (hasDimension && !anyAssigned) {
            return null;
        }
        String text = out.toString().replaceAll("\\s+", " ").strip();
        text = articles(text);
        return text.isEmpty() || text.equals("a") || text.equals("an") ? null : text;
    }

    /** "a elderly woman" -> "an elderly woman": the article agrees with the word that follows it. */
    private static String articles(String text) {
        StringBuilder out = new StringBuilder();
        int k = 0;
        while (k < text.length()) {
            int at = text.indexOf(ARTICLE, k);
            if (at < 0) {
                out.append(text, k, text.length());
                break;
            }
            out.append(text, k, at);
            String rest = text.substring(at + 1).strip();
            out.append(startsWithVowelSound(rest) ? "an" : "a");
            k = at + 1;
        }
        return out.toString().replaceAll("\\s+", " ").strip();
    }

    static boolean startsWithVowelSound(String text) {
        String word = text.toLowerCase(Locale.ROOT);
        if (word.isEmpty()) {
            return false;
        }
        if (word.startsWith("uni") || word.startsWith("use") || word.startsWith("one") || word.startsWith("eu")) {
            return false;
        }
        return "aeiou".indexOf(word.charAt(0)) >= 0 || word.startsWith("hour") || word.startsWith("honest");
    }
}
