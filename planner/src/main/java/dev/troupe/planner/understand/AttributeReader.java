package dev.troupe.planner.understand;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pass 4, fixed attributes: values every subject of a part shares ("female", "elderly", "dark-skinned", "long black
 * hair", "red jerseys", "in blue", "with glasses", "left-handed"), from the patterns of {@code requests.yaml}, with
 * the small words that lead into them ("wearing", "with", "all in"). The part is the one the words stand in.
 */
final class AttributeReader {

    private final RequestWords w;
    private final AttributePatterns patterns;

    AttributeReader(RequestWords words, AttributePatterns patterns) {
        this.w = words;
        this.patterns = patterns;
    }

    List<Statement> read(Sentence s, Groups g) {
        List<Statement> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            if (!s.free(i)) {
                continue;
            }
            AttributePatterns.Match m = patterns.patternAt(s, i);
            if (m == null) {
                continue;
            }
            int scope = g.scope()[i];
            String phrase = s.words(i, m.end());
            for (Map.Entry<String, String> v : m.values().entrySet()) {
                out.add(new Statement(scope, v.getKey(), Statement.Kind.FIXED, v.getValue(), null, phrase));
            }
            int start = i;
            while (start > 0 && s.free(start - 1) && leadsIn(s, start - 1)) {
                start--;
            }
            s.take(start, m.end(), "attribute");
            i = m.end() - 1;
        }
        return out;
    }

    private boolean leadsIn(Sentence s, int k) {
        for (List<String> glue : w.glue) {
            if (glue.size() == 1 && glue.get(0).equals(s.at(k))) {
                return true;
            }
        }
        return false;
    }
}
