package dev.troupe.planner.understand;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pass 5, scene and style: "in the style of ..." to the end of its clause, then the place: the first clause that a
 * preposition starts ("on an indoor court", "at the beach", "on indoor court") whose noun is not worn or carried
 * ("in lab coats", "on bikes"), else words of a known scene standing alone ("indoor court"). A scene clause ends at
 * a comma, at words another pass took, and at a verb in -ing ("on a court cheering").
 */
final class SceneReader {

    /** What the pass found. */
    record Scene(String sceneWords, String sceneId, String styleWords) {
    }

    private static final Set<String> ARTICLES = Set.of("a", "an", "the", "some", "their", "his", "her", "its", "our",
            "my", "your", "this", "that");
    private static final Set<String> ENDS_CLAUSE = Set.of("with", "while", "who", "where", "and", "wearing", "holding",
            "having", "as", "during", "which", "that");

    private final RequestWords w;

    SceneReader(RequestWords words) {
        this.w = words;
    }

    Scene read(Sentence s) {
        String style = null;
        for (int i = 0; i < s.size(); i++) {
            if (s.matches(w.styleFree, i)) {
                int end = clauseEnd(s, i + w.styleFree.size(), false);
                if (end > i + w.styleFree.size()) {
                    style = s.words(i, end);
                    s.take(i, end, "style");
                }
                break;
            }
        }
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i)) {
                continue;
            }
            List<String> preposition = s.longest(w.scenePrepositions, i);
            if (preposition == null) {
                continue;
            }
            int after = i + preposition.size();
            int end = clauseEnd(s, after, true);
            // a second place phrase ends the first: "in lab coats | in a laboratory"
            for (int k = after + 1; k < end; k++) {
                if (s.longest(w.scenePrepositions, k) != null && firstContentWord(s, after, k) >= 0) {
                    end = k;
                    break;
                }
            }
            int noun = firstContentWord(s, after, end);
            if (noun < 0 && (preposition.equals(List.of("outdoors")) || preposition.equals(List.of("indoors")))) {
                s.take(i, after, "scene");
                return new Scene(s.words(i, after), sceneId(s.t.subList(i, after)), style);
            }
            if (noun < 0 || wornOrCarried(s, noun, end)) {
                continue;
            }
            s.take(i, end, "scene");
            return new Scene(s.words(i, end), sceneId(s.t.subList(i, end)), style);
        }
        // a clause of its own that names a known scene: "basketball team of 6, indoor court"
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i) || sceneId(List.of(s.at(i))) == null && !startsScenePhrase(s, i)) {
                continue;
            }
            int from = i;
            while (from > 0 && s.free(from - 1) && !s.isPunctuation(from - 1)) {
                from--;
            }
            int end = i;
            while (end < s.size() && s.free(end) && !s.isPunctuation(end)) {
                end++;
            }
            boolean alone = (from == 0 || s.isPunctuation(from - 1)) && (end == s.size() || s.isPunctuation(end));
            if (!alone || wornOrCarried(s, from, end)) {
                continue;
            }
            while (from < end && ARTICLES.contains(s.at(from))) {
                from++;
            }
            s.take(from, end, "scene");
            return new Scene(s.words(from, end), sceneId(s.t.subList(from, end)), style);
        }
        return new Scene(null, null, style);
    }

    private boolean wornOrCarried(Sentence s, int from, int end) {
        for (int k = from; k < end; k++) {
            if (w.wornOrCarried.contains(s.at(k))) {
                return true;
            }
        }
        return false;
    }

    private boolean startsScenePhrase(Sentence s, int i) {
        for (List<List<String>> phrases : w.scenes.values()) {
            for (List<String> phrase : phrases) {
                if (phrase.size() > 1 && s.matches(phrase, i)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The scene id the words hold ("court" for "on an indoor court"), or null; the data's first match wins. */
    private String sceneId(List<String> words) {
        for (Map.Entry<String, List<List<String>>> scene : w.scenes.entrySet()) {
            for (List<String> phrase : scene.getValue()) {
                if (Collections.indexOfSubList(words, phrase) >= 0) {
                    return scene.getKey();
                }
            }
        }
        return null;
    }

    private int firstContentWord(Sentence s, int from, int end) {
        for (int k = from; k < end; k++) {
            if (!ARTICLES.contains(s.at(k))) {
                return k;
            }
        }
        return -1;
    }

    /** The end of a clause: a taken token, punctuation, a word that starts another clause, or an -ing verb. */
    private int clauseEnd(Sentence s, int i, boolean stopAtVerbs) {
        int end = i;
        while (end < s.size() && s.free(end) && !s.isPunctuation(end)) {
            String token = s.at(end);
            if (stopAtVerbs && end > i && (ENDS_CLAUSE.contains(token)
                    || token.endsWith("ing") && token.length() > 4 && !w.ingNouns.contains(token)
                    && !(firstContentWord(s, i, end + 1) == end && nounFollows(s, end)))) {
                break;
            }
            end++;
        }
        return end;
    }

    /** "a waiting room": an -ing word with a noun right after it is part of the place. */
    private boolean nounFollows(Sentence s, int k) {
        return k + 1 < s.size() && s.free(k + 1) && !s.isPunctuation(k + 1) && !ARTICLES.contains(s.at(k + 1))
                && !ENDS_CLAUSE.contains(s.at(k + 1)) && !w.stopwords.contains(s.at(k + 1));
    }
}
