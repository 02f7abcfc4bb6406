package dev.troupe.cli;

import dev.troupe.renderer.model.ModelException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** Turns the failures a user can fix into one message on stderr and exit code 1, never a stack trace. */
final class Failures {

    private Failures() {
    }

    static int report(String command, PrintWriter err, Callable<Integer> body) {
        try {
            return body.call();
        } catch (ModelException | IllegalArgumentException e) {
            err.println("troupe " + command + ": " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            err.println("troupe " + command + ": " + e.getMessage());
        } catch (Exception e) {
            err.println("troupe " + command + ": unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        err.flush();
        return 1;
    }
}
