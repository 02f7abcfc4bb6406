package dev.troupe.cli.studio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.troupe.scene.PlanException;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the plan reader's message into the field it is about, so the page can show it next to that field. The
 * reader names a field path first ({@code regions[2] (s3).box: reaches outside the canvas}); an overlap names two
 * region ids, which become the two regions' box fields.
 */
final class PlanErrors {

    /** {@code width}, {@code regions[2]}, {@code regions[2] (s3).box}, {@code regions[0].loras[1].file}, then ": ". */
    private static final Pattern FIELD = Pattern.compile(
            "^([A-Za-z]+(?:\\[\\d+])?(?: \\([^)]*\\))?(?:\\.[A-Za-z]+(?:\\[\\d+])?)*): (.+)$", Pattern.DOTALL);
    private static final Pattern OVERLAP = Pattern.compile("^regions (.+) and (.+) overlap by .*", Pattern.DOTALL);

    private PlanErrors() {
    }

    static ApiException of(PlanException e, JsonNode plan) {
        String message = e.getMessage();
        List<ApiException.FieldError> errors = new ArrayList<>();
        Matcher overlap = OVERLAP.matcher(message);
        Matcher field = FIELD.matcher(message);
        if (overlap.matches()) {
            for (String id : List.of(overlap.group(1), overlap.group(2))) {
                int index = indexOf(plan, id);
                errors.add(new ApiException.FieldError(index < 0 ? "regions" : "regions[" + index + "].box", message));
            }
        } else if (field.matches()) {
            String path = field.group(1).replaceAll(" \\([^)]*\\)", "");
            errors.add(new ApiException.FieldError(path, field.group(2)));
        } else {
            errors.add(new ApiException.FieldError("", message));
        }
        return new ApiException(400, message, errors);
    }

    private static int indexOf(JsonNode plan, String id) {
        JsonNode regions = plan == null ? null : plan.path("regions");
        if (regions != null && regions.isArray()) {
            for (int i = 0; i < regions.size(); i++) {
                if (id.equals(regions.get(i).path("id").asText(null))) {
                    return i;
                }
            }
        }
        return -1;
    }
}
