package dev.troupe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.PlannerOptions;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.troupe.cli.PlanCommandTest.troupe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code troupe plan --planner openai --llm-base-url http://127.0.0.1:PORT/v1 ...} in-process, against a
 * local server answering in OpenAI's chat-completions wire format.
 */
class PlanCommandLlmTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "a jazz quartet on a smoky stage, varied ages and ethnicities";

    @TempDir
    Path home;

    private HttpServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private Map<String, String> env() {
        return Map.of("HOME", home.toString(), "TROUPE_LLM_API_KEY", "sk-cli-secret");
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            received.add(body);
            String content;
            if (status != 200) {
                send(exchange, status, "{\"error\": {\"message\": \"overloaded\"}}");
                return;
            }
            JsonNode messages = body.path("messages");
            String user = messages.path(1).path("content").asText();
            if (messages.path(0).path("content").asText().startsWith("[prompt troupe-understand/")) {
                content = "{\"groups\": [{\"count\": 4, \"subject\": \"jazz musician\", \"subjectNoun\": \"musician\","
                        + " \"fixed\": [], \"mixes\": [{\"dimension\": \"age\", \"shares\": []},"
                        + " {\"dimension\": \"skin\", \"shares\": []}], \"details\": null}], \"total\": null,"
                        + " \"all\": {\"fixed\": [], \"mixes\": []}, \"scene\": \"on a smoky stage\", \"sceneKind\": \"studio\","
                        + " \"style\": null, \"styleKind\": null, \"layout\": \"arc\", \"details\": null}";
            } else {
                JsonNode task = JSON.readTree(user.substring("Task: ".length()));
                ObjectNode answer = JSON.createObjectNode();
                ArrayNode subjects = answer.putArray("subjects");
                for (JsonNode s : task.path("subjects")) {
                    List<String> words = new ArrayList<>(List.of("a jazz musician"));
                    s.path("mustContain").forEach(p -> words.add(p.asText()));
                    words.add("holding a trumpet, " + task.path("scene").asText());
                    subjects.addObject().put("id", s.path("id").asText()).put("prompt", String.join(", ", words));
                }
                content = answer.toString();
            }
            ObjectNode root = JSON.createObjectNode();
            root.put("id", "chatcmpl-7").put("object", "chat.completion").put("created", 1_700_000_000L)
                    .put("model", body.path("model").asText());
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", content);
            root.putObject("usage").put("prompt_tokens", 1).put("completion_tokens", 1).put("total_tokens", 2);
            send(exchange, 200, root.toString());
        }
    }

    private static void send(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void planWithAnOpenAiCompatibleEndpoint() {
        String cache = home.resolve("cache").toString();
        CliRun run = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url", baseUrl(),
                "--llm-model", "local-model", "--llm-cache", cache, "--profile", "sd15", "--seed", "4");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        ScenePlan plan = PlanJson.read(run.out());
        assertThat(plan.regions()).hasSize(4);
        assertThat(plan.layout()).isEqualTo("arc"); // the LLM's layout hint
        assertThat(plan.regions()).allSatisfy(r -> assertThat(r.prompt()).startsWith("a jazz musician")
                .contains(r.attributes().get("skin") + " skin", "on a smoky stage"));
        assertThat(received).hasSize(2);
        assertThat(received.get(0).path("model").asText()).isEqualTo("local-model");
        assertThat(received.get(0).path("response_format").path("type").asText()).isEqualTo("json_schema");

        // the same batch again: answered from the cache, the same plan, no calls
        CliRun again = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url", baseUrl(),
                "--llm-model", "local-model", "--llm-cache", cache, "--profile", "sd15", "--seed", "4");
        assertThat(again.out()).isEqualTo(run.out());
        assertThat(received).hasSize(2);
    }

    @Test
    void environmentVariablesConfigureTheEndpoint() {
        Map<String, String> env = Map.of("HOME", home.toString(), "TROUPE_LLM_BASE_URL", baseUrl(),
                "TROUPE_LLM_MODEL", "env-model", "TROUPE_LLM_CACHE", "none");
        CliRun run = troupe(env, "plan", REQUEST, "--profile", "sd15", "--seed", "1", "--explain");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("understood:", "group  4 x jazz musician; age mix", "a jazz musician");
        assertThat(received).hasSize(2);
        assertThat(received.get(0).path("model").asText()).isEqualTo("env-model");
    }

    @Test
    void anHttpErrorIsOneLineNamingTheEndpointAndTheWayOut() {
        status = 503;
        CliRun run = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url", baseUrl(),
                "--llm-model", "m", "--llm-cache", "none");
        assertThat(run.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("troupe: the LLM at " + baseUrl() + "/chat/completions answered HTTP 503")
                .contains("--planner rules").doesNotContain("sk-cli-secret").doesNotContain("Exception\n\tat");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void credentialsInTheBaseUrlAreNeverEchoed() {
        status = 401;
        String withUser = baseUrl().replace("http://", "http://bob:hunter2@");
        CliRun http = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url", withUser,
                "--llm-model", "m", "--llm-cache", "none");
        CliRun refused = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url",
                "http://bob:hunter2@127.0.0.1:9/v1?key=sk-in-query", "--llm-model", "m", "--llm-cache", "none");
        CliRun malformed = troupe(env(), "plan", REQUEST, "--planner", "openai", "--llm-base-url",
                "ftp://bob:hunter2@[bad/v1", "--llm-model", "m");
        for (CliRun run : List.of(http, refused, malformed)) {
            assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(run.err()).contains("***").doesNotContain("hunter2").doesNotContain("bob")
                    .doesNotContain("sk-in-query").doesNotContain("sk-cli-secret");
        }
        assertThat(http.err()).contains("the LLM at http://***@127.0.0.1:");
        PlannerOptions options = new PlannerOptions();
        new CommandLine(options).parseArgs("--llm-base-url", withUser, "--planner", "openai", "--llm-model", "m");
        assertThat(options.describe(env())).isEqualTo("m at " + baseUrl().replace("http://", "http://***@")); // the studio's
    }

    @Test
    void withNoEndpointTheRulePlannerRunsAndSaysSoOnce() {
        CliRun run = troupe(Map.of("HOME", home.toString()), "plan",
                "a multiracial female basketball team of 5 on an indoor court", "--seed", "7");
        assertThat(run.exit()).isZero();
        assertThat(PlanJson.read(run.out()).regions()).hasSize(5);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("troupe: no LLM endpoint configured (--llm-base-url, TROUPE_LLM_BASE_URL or llm.baseUrl in "
                        + home.resolve(".config/troupe/config.yaml") + "); planning with the rule planner");
        assertThat(received).isEmpty();
    }

    @Test
    void helpListsThePlannerOptions() {
        CliRun run = troupe("plan", "--help");
        assertThat(run.out()).contains("--planner", "--llm-base-url", "--llm-model", "--llm-timeout", "--llm-cache");
    }
}
