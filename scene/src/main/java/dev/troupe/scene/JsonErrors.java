package dev.troupe.scene;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;

/**
 * Jackson's complaints in a user's words: "expected a whole number, got "abc"", "unknown field 'colour'; known: ...",
 * never a Java type such as {@code java.lang.Integer}, a class such as {@code StudioServer$PlanRequest} or the
 * parser's {@code [Source: ...]} note.
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** One line saying what is wrong, without Java names. */
    public static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            TreeSet<String> known = new TreeSet<>();
            if (unknown.getKnownPropertyIds() != null) {
                unknown.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
            }
            return "unknown field '" + unknown.getPropertyName() + "'"
                    + (known.isEmpty() ? "" : "; known: " + String.join(", ", known));
        }
        if (e instanceof InvalidFormatException invalid && invalid.getTargetType() != null) {
            return "expected " + kind(invalid.getTargetType()) + ", got " + shown(invalid.getValue());
        }
        if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return "expected " + kind(mismatched.getTargetType());
        }
        return withoutJavaNames(firstLine(e.getOriginalMessage()));
    }

    /** What a value of this Java type looks like in JSON. */
    static String kind(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == BigInteger.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class
                || type == BigDecimal.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type.isEnum()) {
            TreeSet<String> names = new TreeSet<>();
            for (Object c : type.getEnumConstants()) {
                names.add(c.toString().toLowerCase(java.util.Locale.ROOT));
            }
            return "one of " + String.join(", ", names);
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return Map.class.isAssignableFrom(type) || !type.isPrimitive() ? "an object" : "a value";
    }

    private static String shown(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** Drops Jackson's hints that name Java types and classes, and its source locations. */
    static String withoutJavaNames(String message) {
        return message
                .replaceAll("`[\\w.$\\[\\]<>, ]+`", "a value")
                .replaceAll("\\s*\\(class [\\w.$]+\\)", "")
                .replaceAll("\\s*\\(through reference chain: [^)]*\\)", "")
                .replaceAll("\\s*(at )?\\[Source: [^]]*]", "")
                .replaceAll("\\s*\\(code \\d+\\)", "")
                .strip();
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
