package dev.troupe.cli.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.troupe.cli.studio.StudioFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

class StudioServerTest {

    @TempDir
    Path dir;

    StudioFixture studio;

    @BeforeEach
    void start() throws Exception {
        studio = new StudioFixture(dir, 1);
    }

    @AfterEach
    void stop() {
        studio.close();
    }

    @Test
    void plansRendersWithProgressEventsAndServesTheImagePlanAndOverlay() throws Exception {
        JsonNode options = studio.get("/api/options").json();
        assertThat(options.get("models").toString()).isEqualTo("[\"fixture\"]");
        assertThat(options.get("loras").toString()).isEqualTo("[\"striped.safetensors\"]");

        JsonNode plan = studio.plan(3);
        assertThat(plan.get("regions")).hasSize(3);
        assertThat(plan.get("model").asText()).isEqualTo("fixture"); // the studio's own model, not the planner's
        ((ObjectNode) plan.get("regions").get(0).get("box")).put("x", plan.get("regions").get(0).get("box").get("x").asInt() + 1);

        StudioFixture.Reply submitted = studio.post("/api/renders", Map.of("plan", plan, "steps", 3, "cfg", 2.0));
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        String id = submitted.json().get("id").asText();

        List<String> events = new ArrayList<>();
        HttpResponse<Stream<String>> stream = studio.http.send(HttpRequest.newBuilder(
                        URI.create(studio.base() + "/api/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofLines());
        String last = null;
        try (Stream<String> lines = stream.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("event: ")) {
                    events.add(line.substring(7));
                } else if (line.startsWith("data: ")) {
                    last = line.substring(6);
                }
                if (events.contains("done") || events.contains("failed")) {
                    if (last != null && events.size() > 0 && line.startsWith("data: ")) {
                        break;
                    }
                }
            }
        }
        assertThat(events).as(last).endsWith("done").contains("progress");
        JsonNode done = JSON.readTree(last);
        assertThat(done.get("done").asInt()).isEqualTo(3).isEqualTo(done.get("total").asInt());
        assertThat(studio.get("/api/jobs/" + id).json().get("state").asText()).isEqualTo("done");

        HttpResponse<byte[]> png = studio.http.send(HttpRequest.newBuilder(URI.create(studio.base() + "/api/files/"
                + done.get("image").asText())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        var image = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertThat(image.getWidth()).isEqualTo(plan.get("width").asInt());
        assertThat(image.getHeight()).isEqualTo(plan.get("height").asInt());
        JsonNode written = studio.get("/api/files/" + done.get("planFile").asText()).json();
        assertThat(written).isEqualTo(studio.post("/api/validate", Map.of("plan", plan)).json().get("plan"));
        assertThat(studio.get("/api/files/" + done.get("boxes").asText()).status()).isEqualTo(200);

        JsonNode history = studio.get("/api/renders").json();
        assertThat(history).hasSize(1);
        assertThat(history.get(0).get("name").asText()).isEqualTo(done.get("name").asText());
        assertThat(history.get(0).get("plan")).isEqualTo(written);
    }

    /** Polls a job until it ends; returns its last snapshot. */
    private JsonNode finished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode job;
        do {
            Thread.sleep(20);
            job = studio.get("/api/jobs/" + id).json();
        } while (List.of("queued", "running").contains(job.get("state").asText()) && System.nanoTime() < deadline);
        return job;
    }

    @Test
    void theVerifySwitchReadsEverySubjectBackAndThePlanWrittenSaysWhatWasRead() throws Exception {
        JsonNode plan = studio.plan(3);
        // the fixture model ships no palette: verifying is the job's error, named
        StudioFixture.Reply refused = studio.post("/api/renders", Map.of("plan", plan, "steps", 2, "verify", true));
        assertThat(refused.status()).as(refused.text()).isEqualTo(202);
        JsonNode failed = finished(refused.json().get("id").asText());
        assertThat(failed.get("state").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("verify: no evaluation.json in");

        java.nio.file.Files.copy(dev.troupe.cli.EmbeddedModelTestAccess.embedded().resolve("evaluation.json"),
                dir.resolve("models/fixture/evaluation.json"));
        StudioFixture.Reply submitted = studio.post("/api/renders", Map.of("plan", plan, "steps", 2, "verify", true));
        JsonNode done = finished(submitted.json().get("id").asText());
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("done");
        JsonNode written = studio.get("/api/files/" + done.get("planFile").asText()).json();
        assertThat(done.get("plan")).isEqualTo(written);
        for (JsonNode region : written.get("regions")) {
            JsonNode v = region.get("verification");
            assertThat(v.get("verifier").asText()).isEqualTo("palette");
            assertThat(v.get("seeds").size()).isEqualTo(v.get("tries").asInt()).isBetween(1, 4);
            assertThat(v.get("seeds")).extracting(JsonNode::asLong).contains(region.get("seed").asLong());
        }
        // without the switch nothing is read
        StudioFixture.Reply plain = studio.post("/api/renders", Map.of("plan", plan, "steps", 2, "name", "plain"));
        JsonNode plainDone = finished(plain.json().get("id").asText());
        assertThat(studio.get("/api/files/" + plainDone.get("planFile").asText()).json().get("regions").get(0)
                .has("verification")).isFalse();
    }

    @Test
    void badPlansAreRefusedWithTheProblemPerField() throws Exception {
        JsonNode plan = studio.plan(3);

        ObjectNode outside = plan.deepCopy();
        ((ObjectNode) outside.get("regions").get(1).get("box")).put("x", outside.get("width").asInt());
        assertField(studio.post("/api/validate", Map.of("plan", outside)), "regions[1].box", "outside");

        ObjectNode noBackground = plan.deepCopy();
        noBackground.remove("background");
        assertField(studio.post("/api/validate", Map.of("plan", noBackground)), "", "background");

        ObjectNode overlapping = plan.deepCopy();
        overlapping.withArray("regions").set(1, overlapping.get("regions").get(1).deepCopy());
        ((ObjectNode) overlapping.get("regions").get(1)).set("box", overlapping.get("regions").get(0).get("box"));
        StudioFixture.Reply overlap = studio.post("/api/validate", Map.of("plan", overlapping));
        assertThat(overlap.status()).isEqualTo(400);
        assertThat(overlap.json().get("errors").findValuesAsText("field")).containsExactly("regions[0].box", "regions[1].box");

        ObjectNode badWeight = plan.deepCopy();
        ((ObjectNode) badWeight.get("regions").get(2)).put("weight", -1);
        assertField(studio.post("/api/renders", Map.of("plan", badWeight)), "regions[2].weight", "");

        ObjectNode otherModel = plan.deepCopy();
        otherModel.put("model", "/etc");
        assertField(studio.post("/api/renders", Map.of("plan", otherModel)), "model", "unknown model '/etc'");

        ObjectNode lora = plan.deepCopy();
        ((ObjectNode) lora.get("regions").get(0)).putArray("loras").addObject()
                .put("file", "../../../etc/evil.safetensors").put("weight", 1.0);
        assertField(studio.post("/api/renders", Map.of("plan", lora)), "regions[0].loras[0].file", "unknown LoRA");

        assertField(studio.post("/api/renders", Map.of("plan", plan, "steps", 0)), "steps", "between 1 and 999");
        // DDIM with leading spacing and steps_offset 1 (the fixture's schedule) would ask for t = 1000 at 1000 steps
        assertField(studio.post("/api/renders", Map.of("plan", plan, "steps", 1000)), "steps", "between 1 and 999");
        assertField(studio.post("/api/renders", Map.of("plan", plan, "steps", 51, "sampler", "lcm")), "steps",
                "between 1 and 50 for the lcm sampler");
        assertField(studio.post("/api/renders", Map.of("plan", plan, "sampler", "magic")), "sampler", "magic");
        assertField(studio.post("/api/renders", Map.of("plan", plan, "colour", "red")), "colour", "unknown field 'colour'; known: cfg");
        assertField(studio.post("/api/plan", Map.of("request", "two people", "count", "many")), "count",
                "expected a whole number, got \"many\"");
        for (StudioFixture.Reply reply : List.of(studio.post("/api/renders", Map.of("plan", plan, "colour", "red")),
                studio.post("/api/plan", Map.of("request", "two people", "count", "many")),
                studio.post("/api/plan", "{\"request\": }"))) {
            assertThat(reply.text()).doesNotContain("java.").doesNotContain("StudioServer").doesNotContain("[Source");
        }
        assertField(studio.post("/api/plan", Map.of("request", " ")), "request", "type a request");
        assertField(studio.post("/api/plan", "{\"request\": "), "", "not valid JSON");
        assertField(studio.post("/api/validate", Map.of("plan", "text")), "plan", "JSON object");

        // one subject filling a canvas of 16384 pixels a side: terabytes of attention scores on any machine
        ObjectNode huge = plan.deepCopy();
        huge.put("width", 16384).put("height", 16384);
        ArrayNode one = huge.putArray("regions").add(plan.get("regions").get(0).deepCopy());
        ((ObjectNode) one.get(0)).putObject("box").put("x", 0).put("y", 0).put("w", 16384).put("h", 16384);
        assertField(studio.post("/api/validate", Map.of("plan", huge)), "plan", "drawing this scene needs about");
        assertField(studio.post("/api/renders", Map.of("plan", huge)), "plan", "of memory available");
        assertThat(studio.get("/api/renders").json()).isEmpty(); // nothing was drawn
    }

    private static void assertField(StudioFixture.Reply reply, String field, String words) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        JsonNode first = reply.json().get("errors").get(0);
        assertThat(first.get("field").asText()).as(reply.text()).isEqualTo(field);
        assertThat(reply.json().get("error").asText()).contains(words);
    }

    @Test
    void oneRenderAtATimePerModelAndAFullQueueAnswers429() throws Exception {
        JsonNode plan = studio.plan(2);
        ((ObjectNode) plan).put("width", 512).put("height", 512);
        Map<String, Object> slow = Map.of("plan", plan, "steps", 500, "cfg", 1.0);
        StudioFixture.Reply first = studio.post("/api/renders", slow);
        StudioFixture.Reply second = studio.post("/api/renders", slow);
        StudioFixture.Reply third = studio.post("/api/renders", slow);
        assertThat(first.status()).as(first.text()).isEqualTo(202);
        assertThat(second.status()).as(second.text()).isEqualTo(202);
        assertThat(third.status()).as(third.text()).isEqualTo(429);
        assertThat(third.json().get("error").asText()).contains("queue").contains("full");
        JsonNode running = studio.get("/api/jobs/" + first.json().get("id").asText()).json();
        for (int i = 0; i < 40 && running.get("state").asText().equals("queued"); i++) { // its worker picks it up
            Thread.sleep(50);
            running = studio.get("/api/jobs/" + first.json().get("id").asText()).json();
        }
        assertThat(running.get("state").asText()).as(running.toString()).isEqualTo("running");
        JsonNode waiting = studio.get("/api/jobs/" + second.json().get("id").asText()).json();
        assertThat(waiting.get("state").asText()).as(waiting.toString()).isEqualTo("queued");

        for (StudioFixture.Reply job : List.of(second, first)) {
            assertThat(studio.delete("/api/jobs/" + job.json().get("id").asText()).status()).isEqualTo(200);
        }
        String firstState = "";
        for (int i = 0; i < 200 && !firstState.equals("cancelled"); i++) {
            Thread.sleep(50);
            firstState = studio.get("/api/jobs/" + first.json().get("id").asText()).json().get("state").asText();
        }
        assertThat(firstState).isEqualTo("cancelled");
        assertThat(studio.get("/api/jobs/" + second.json().get("id").asText()).json().get("state").asText())
                .isEqualTo("cancelled");
        try (Stream<Path> files = Files.list(studio.server.outputFolder())) {
            assertThat(files).isEmpty(); // a cancelled render leaves no file, not even a temporary one
        }
    }

    @Test
    void nothingOutsideTheOutputFolderCanBeReadOrWritten() throws Exception {
        Path secret = dir.resolve("secret.png");
        Files.writeString(secret, "SECRET");
        Files.writeString(dir.resolve("out/notes.txt"), "SECRET");
        Files.createSymbolicLink(dir.resolve("out/link.png"), secret);
        Files.createSymbolicLink(dir.resolve("out/link.plan.json"), secret);

        for (String path : List.of("/api/files/..%2Fsecret.png", "/api/files/%2e%2e%2fsecret.png",
                "/api/files/..%5Csecret.png", "/api/files/notes.txt", "/api/files/link.png",
                "/api/files/%2Fetc%2Fpasswd", "/api/files/.link.png", "/secret.png", "/..%2Fsecret.png")) {
            StudioFixture.Reply r = studio.get(path);
            assertThat(r.status()).as(path).isIn(400, 404);
            assertThat(r.text()).as(path).doesNotContain("SECRET");
        }
        for (String raw : List.of("/../secret.png", "/api/files/../../secret.png", "/api/files/..\\secret.png")) {
            String answer = rawGet(raw, "127.0.0.1");
            assertThat(answer).as(raw).doesNotStartWith("HTTP/1.1 200").doesNotContain("SECRET");
        }
        assertThat(studio.get("/api/renders").json()).isEmpty(); // the link's "plan" is not a render

        JsonNode plan = studio.plan(2);
        for (String name : List.of("../escape", "/tmp/escape", "a/b", ".hidden", "..", "x".repeat(65))) {
            assertField(studio.post("/api/renders", Map.of("plan", plan, "steps", 1, "name", name)), "name", "name");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("secret.png", "out",
                    "models", "loras");
        }
    }

    @Test
    void largeBodiesForeignOriginsAndForeignHostsAreRefused() throws Exception {
        String big = JSON.writeValueAsString(Map.of("request", "x".repeat(100 << 10)));
        assertThat(studio.post("/api/plan", big).status()).isEqualTo(413);

        StudioFixture.Reply foreign = studio.send(HttpRequest.newBuilder(URI.create(studio.base() + "/api/plan"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"request\": \"2 people\"}")).build());
        assertThat(foreign.status()).isEqualTo(403);
        StudioFixture.Reply form = studio.send(HttpRequest.newBuilder(URI.create(studio.base() + "/api/plan"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"request\": \"2 people\"}")).build());
        assertThat(form.status()).isEqualTo(415);
        assertThat(rawGet("/api/options", "evil.example")).startsWith("HTTP/1.1 403");
        assertThat(rawGet("/api/options", "localhost:" + studio.server.port())).startsWith("HTTP/1.1 200");
        assertThat(studio.get("/").text()).contains("Troupe Studio").contains("studio.js");
        assertThat(studio.get("/studio.js").status()).isEqualTo(200);
    }

    @Test
    void onEveryInterfaceTheStudioPrintsReachableAddressesAndAnswersAtEachOfThem() throws Exception {
        try (StudioFixture all = new StudioFixture(dir.resolve("all"), 1, "0.0.0.0")) {
            int port = all.server.port();
            List<String> urls = all.server.urls();
            assertThat(urls.get(0)).isEqualTo("http://127.0.0.1:" + port + "/");
            assertThat(urls).noneMatch(u -> u.contains("0.0.0.0"));
            List<String> hosts = new ArrayList<>();
            for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    java.util.Collections.list(nic.getInetAddresses()).stream()
                            .filter(a -> a instanceof java.net.Inet4Address).map(a -> a.getHostAddress()).forEach(hosts::add);
                }
            }
            for (String host : hosts) {
                assertThat(urls).contains("http://" + host + ":" + port + "/");
                // reached at that address, named in the Host header as a browser names it
                assertThat(raw(host, port, "GET /api/options HTTP/1.1\r\nHost: " + host + ":" + port))
                        .as(host).startsWith("HTTP/1.1 200");
            }
            assertThat(raw("127.0.0.1", port, "GET /api/options HTTP/1.1\r\nHost: localhost:" + port)).startsWith("HTTP/1.1 200");
            assertThat(raw("127.0.0.1", port, "GET /api/options HTTP/1.1\r\nHost: rebound.example:" + port))
                    .startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void anOriginMustBeTheStudiosOwnSchemeHostAndPort() throws Exception {
        int port = studio.server.port();
        String self = "127.0.0.1:" + port;
        for (String origin : List.of("http://localhost:9999", "http://127.0.0.1:9999", "https://127.0.0.1:" + port,
                "http://127.0.0.1", "null", "http://evil.example:" + port)) {
            assertThat(post(self, origin)).as(origin).startsWith("HTTP/1.1 403");
        }
        assertThat(post(self, "http://127.0.0.1:" + port)).startsWith("HTTP/1.1 200");
        assertThat(post("localhost:" + port, "http://localhost:" + port)).startsWith("HTTP/1.1 200");
        assertThat(post("localhost:" + port, "http://127.0.0.1:" + port)).startsWith("HTTP/1.1 403"); // another origin
        // bound to 127.0.0.1, the studio cannot be reached at ::1: a Host naming it is not this server's
        assertThat(raw("127.0.0.1", port, "GET /api/options HTTP/1.1\r\nHost: [::1]:" + port)).startsWith("HTTP/1.1 403");
    }

    private String post(String host, String origin) throws Exception {
        String body = "{\"request\": \"2 people in a park\", \"seed\": 1}";
        return raw("127.0.0.1", studio.server.port(), "POST /api/plan HTTP/1.1\r\nHost: " + host + "\r\nOrigin: "
                + origin + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    /** A request sent byte for byte, so that no client library tidies the path or the Host header. */
    private String rawGet(String path, String host) throws Exception {
        return raw("127.0.0.1", studio.server.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host);
    }

    /** {@code request}: the request line and headers (and, after a blank line, a body), sent to {@code address}. */
    private static String raw(String address, int port, String request) throws Exception {
        try (Socket socket = new Socket(address, port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            String text = request.contains("\r\n\r\n") ? request.replaceFirst("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                    : request + "\r\nConnection: close\r\n\r\n";
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
