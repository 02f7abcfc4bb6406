package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * An LLM endpoint on 127.0.0.1 (port 0) speaking the real wire formats: OpenAI chat completions at
 * /v1/chat/completions and Ollama at /api/chat. It records what LangChain4j sent and answers what
 * the test's responder says.
 */
final class FakeLlmServer implements AutoCloseable {

    /** What arrived: the path, the JSON body, the Authorization header. */
    record Received(String path, JsonNode body, String authorization) {
        String system() {
            return body.path("messages").path(0).path("content").asText();
        }

        String lastUser() {
            JsonNode messages = body.path("messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                if (messages.get(i).path("role").asText().equals("user")) {
                    return messages.get(i).path("content").asText();
                }
            }
            return "";
        }

        boolean isUnderstanding() {
            return system().startsWith("[prompt troupe-understand/");
        }
    }

    /** An answer: the assistant's text with status 200, or an HTTP error, after a delay. */
    record Reply(int status, String content, long delayMillis) {
        static Reply ok(String content) {
            return new Reply(200, content, 0);
        }

        static Reply error(int status) {
            return new Reply(status, "{\"error\": {\"message\": \"model crashed\", \"type\": \"server_error\"}}", 0);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final LlmProvider wire;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    FakeLlmServer(LlmProvider wire, Function<Received, Reply> responder) throws IOException {
        this.wire = wire;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        String path = wire == LlmProvider.OPENAI ? "/v1/chat/completions" : "/api/chat";
        server.createContext("/", exchange -> handle(exchange, path, responder));
        server.start();
    }

    private void handle(HttpExchange exchange, String path, Function<Received, Reply> responder) throws IOException {
        try (exchange) {
            byte[] in = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestURI().getPath().equals(path) || !exchange.getRequestMethod().equals("POST")) {
                send(exchange, 404, "{\"error\": \"not found\"}");
                return;
            }
            Received r = new Received(exchange.getRequestURI().getPath(), JSON.readTree(in),
                    exchange.getRequestHeaders().getFirst("Authorization"));
            received.add(r);
            Reply reply = responder.apply(r);
            if (reply.delayMillis() > 0) {
                try {
                    Thread.sleep(reply.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (reply.status() != 200) {
                send(exchange, reply.status(), reply.content());
                return;
            }
            send(exchange, 200, JSON.writeValueAsString(wire == LlmProvider.OPENAI
                    ? openAi(r.body().path("model").asText(), reply.content())
                    : ollama(r.body().path("model").asText(), reply.content())));
        } catch (IOException | RuntimeException e) {
            // the client gave up (a timeout test): nothing to answer
        }
    }

    private static ObjectNode openAi(String model, String content) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-1");
        root.put("object", "chat.completion");
        root.put("created", 1_700_000_000L);
        root.put("model", model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        choice.put("finish_reason", "stop");
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", 100);
        usage.put("completion_tokens", 50);
        usage.put("total_tokens", 150);
        return root;
    }

    private static ObjectNode ollama(String model, String content) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        root.put("created_at", "2024-05-01T10:00:00.123456Z");
        ObjectNode message = root.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        root.put("done", true);
        root.put("done_reason", "stop");
        root.put("total_duration", 1000);
        root.put("prompt_eval_count", 100);
        root.put("eval_count", 50);
        return root;
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    String baseUrl() {
        String root = "http://127.0.0.1:" + server.getAddress().getPort();
        return wire == LlmProvider.OPENAI ? root + "/v1" : root;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
