package dev.troupe.planner.understand;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits requests and lexicon phrases into the same lower-case tokens, so that they can be compared. */
public final class Words {

    // numbers (with thousands separators, decimals, a sign only at a word start), words with inner
    // hyphens or apostrophes ("left-handed", "t-shirts"), then single punctuation marks
    private static final Pattern TOKEN = Pattern.compile(
            "(?<![\\w])-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|[\\p{L}]+(?:['-][\\p{L}\\d]+)*|\\d+[\\p{L}]+|\\S");

    private Words() {
    }

    public static List<String> tokens(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
                .replace('\u2019', '\'').replace('\u2013', '-').replace('\u2014', '-');
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(normal);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    public static boolean isNumber(String token) {
        return token.matches("-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?");
    }

    /** The number a digit token stands for; decimals and signs are kept so that callers can reject them. */
    public static double number(String token) {
        return Double.parseDouble(token.replace(",", ""));
    }

    public static boolean isPunctuation(String token) {
        return token.length() == 1 && !Character.isLetterOrDigit(token.charAt(0));
    }
}
