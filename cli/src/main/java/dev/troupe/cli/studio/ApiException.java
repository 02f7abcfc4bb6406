package dev.troupe.cli.studio;

import java.util.List;

/**
 * A request the studio refuses: the HTTP status, one message, and the problem per field of the request (a plan
 * field path such as {@code regions[1].box}, or a request field such as {@code steps}; "" for the whole plan).
 */
final class ApiException extends RuntimeException {

    /** One problem and the field it belongs to. */
    record FieldError(String field, String message) {
    }

    private final int status;
    private final List<FieldError> errors;

    ApiException(int status, String message, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    static ApiException field(int status, String field, String message) {
        return new ApiException(status, field.isEmpty() ? message : field + ": " + message,
                List.of(new FieldError(field, message)));
    }

    int status() {
        return status;
    }

    List<FieldError> errors() {
        return errors;
    }
}
