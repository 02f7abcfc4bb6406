package dev.troupe.cli.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.renderer.fixtures.SdFixture;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A studio on a free port of 127.0.0.1, drawing with the tiny fixture model "fixture", writing under {@code dir/out}. */
final class StudioFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final StudioServer server;
    final HttpClient http = HttpClient.newHttpClient();

    StudioFixture(Path dir, int queueCapacity) throws IOException {
        this(dir, queueCapacity, "127.0.0.1");
    }

    /** @param host the interface to bind, as {@code --host} takes it */
    StudioFixture(Path dir, int queueCapacity, String host) throws IOException {
        this(dir, queueCapacity, host, null);
    }

    /** @param embedded the embedded model's folder, copied in as model "embedded" beside the fixture (null: none) */
    StudioFixture(Path dir, int queueCapacity, String host, Path embedded) throws IOException {
        this.dir = dir;
        SdFixture.write(dir.resolve("models/fixture"), SdFixture.Variant.standard());
        if (embedded != null) {
            try (var files = Files.walk(embedded)) {
                for (Path p : files.toList()) {
                    Path to = dir.resolve("models/embedded").resolve(embedded.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
        }
        Files.createDirectories(dir.resolve("loras"));
        Files.write(dir.resolve("loras/striped.safetensors"), new byte[16]); // listed by name; never drawn here
        server = StudioServer.start(new StudioServer.Config(dir.resolve("out"), List.of(dir.resolve("models")),
                List.of(dir.resolve("loras")), PlanBuilder.standard(), "rules",
                new SessionFactory(ExecutionProvider.CPU, 1), queueCapacity, 64 << 10, 64L << 20), host, 0);
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    record Reply(int status, JsonNode json, String text) {
    }

    Reply post(String path, Object body) throws Exception {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return send(HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build());
    }

    Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).GET().build());
    }

    Reply delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).DELETE().build());
    }

    Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(r.body());
        }
        return new Reply(r.statusCode(), json, r.body());
    }

    /** A planned scene of {@code count} subjects, drawn by the fixture model. */
    JsonNode plan(int count) throws Exception {
        Reply r = post("/api/plan", java.util.Map.of("request", count + " people in a park", "seed", 7));
        if (r.status() != 200) {
            throw new AssertionError(r.text());
        }
        return r.json().get("plan");
    }

    @Override
    public void close() {
        server.close();
    }
}
