package dev.troupe.planner.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Structured-output exchanges with one LLM endpoint through LangChain4j. Every request carries a JSON
 * schema (OpenAI: {@code response_format: json_schema}; Ollama: {@code format: <schema>}); every
 * answer is parsed and checked by the caller's reader, with one retry for a malformed answer; answers
 * come from and go to the disk cache; transport failures become one {@link LlmException} naming the
 * endpoint.
 */
final class LlmChat {

    /** A reader's complaint about an answer that does not fit: it is asked once more, naming this. */
    static final class AnswerProblem extends RuntimeException {
        AnswerProblem(String message) {
            super(message);
        }
    }

    /** Turns the parsed answer into a value, or throws {@link AnswerProblem}. */
    interface AnswerReader<T> {
        T read(JsonNode answer);
    }

    /** One message of a conversation after the system prompt. */
    record Turn(boolean fromUser, String text) {
    }

    /** A value and the conversation that produced it (ending with the answer), to ask a follow-up. */
    record Answered<T>(T value, List<Turn> conversation) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatModel model;
    private final LlmSettings settings;
    private final LlmCache cache;
    private int calls;

    /** @param notices told once when the answer cache cannot be written (planning goes on without it) */
    LlmChat(ChatModel model, LlmSettings settings, Consumer<String> notices) {
        this.model = model;
        this.settings = settings;
        this.cache = settings.cacheDir() == null ? null
                : new LlmCache(settings.cacheDir(), LlmCache.DEFAULT_MAX_BYTES, notices);
    }

    /** The LangChain4j model for these settings; no retries inside LangChain4j (the planner decides). */
    static ChatModel model(LlmSettings s) {
        return switch (s.provider()) {
            case OPENAI -> OpenAiChatModel.builder()
                    .baseUrl(s.baseUrl())
                    .apiKey(s.apiKey())
                    .modelName(s.model())
                    .timeout(s.timeout())
                    .maxRetries(0)
                    .strictJsonSchema(true)
                    .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                    .build();
            case OLLAMA -> OllamaChatModel.builder()
                    .baseUrl(s.baseUrl())
                    .modelName(s.model())
                    .timeout(s.timeout())
                    .maxRetries(0)
                    .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                    .build();
        };
    }

    LlmSettings settings() {
        return settings;
    }

    /** Calls made to the endpoint so far (cache hits do not count). */
    int calls() {
        return calls;
    }

    /**
     * Asks, reads the answer, and on a malformed one asks once more naming the problem.
     *
     * @param task         short name for messages and cache entries ("understand")
     * @param conversation the turns after the system prompt, ending with a user turn
     * @throws LlmException when the endpoint fails or the second answer is malformed too
     */
    <T> Answered<T> ask(String task, LlmPrompt prompt, String system, List<Turn> conversation, JsonSchema schema,
                        AnswerReader<T> reader) {
        Map<String, String> fresh = new LinkedHashMap<>();
        List<Turn> turns = new ArrayList<>(conversation);
        String problem = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            String answer = exchange(prompt, system, turns, schema, fresh);
            turns.add(new Turn(false, answer));
            try {
                T value = reader.read(parse(answer));
                if (cache != null) {
                    fresh.forEach((key, text) -> cache.put(key, settings.model(), prompt.version(), task, text));
                }
                return new Answered<>(value, List.copyOf(turns));
            } catch (AnswerProblem e) {
                problem = e.getMessage();
                turns.add(new Turn(true, "That answer cannot be used: " + problem
                        + ". Answer again with only a JSON object that follows the schema."));
            }
        }
        throw new LlmException("the LLM at " + settings.endpoint() + " (model " + settings.model() + ") answered the "
                + task + " step with malformed JSON twice (" + settings.redact(problem) + "); try another model, or plan "
                + "offline with --planner rules");
    }

    private static JsonNode parse(String answer) {
        if (answer == null || answer.isBlank()) {
            throw new AnswerProblem("the answer was empty");
        }
        String text = answer.strip();
        if (text.startsWith("```")) { // some servers fence JSON even under a schema
            text = text.replaceFirst("^```[a-zA-Z]*\\s*", "").replaceFirst("\\s*```$", "");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new AnswerProblem("the answer is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new AnswerProblem("the answer is not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private String exchange(LlmPrompt prompt, String system, List<Turn> turns, JsonSchema schema, Map<String, String> fresh) {
        String schemaJson = String.valueOf(schema.rootElement());
        List<String> parts = new ArrayList<>(List.of(settings.provider().id(), settings.model(), prompt.version(), system,
                schema.name(), schemaJson));
        turns.forEach(t -> parts.add((t.fromUser() ? "user:" : "ai:") + t.text()));
        String key = LlmCache.key(parts.toArray(String[]::new));
        String cached = fresh.containsKey(key) ? fresh.get(key) : cache == null ? null : cache.get(key);
        if (cached != null) {
            return cached;
        }
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(system));
        for (Turn t : turns) {
            messages.add(t.fromUser() ? UserMessage.from(t.text()) : AiMessage.from(t.text()));
        }
        ChatRequest request = ChatRequest.builder()
                .messages(messages)
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build())
                .build();
        ChatResponse response;
        calls++;
        try {
            response = model.chat(request);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        String text = response.aiMessage() == null ? null : response.aiMessage().text();
        text = text == null ? "" : text;
        fresh.put(key, text);
        return text;
    }

    private LlmException failure(RuntimeException e) {
        String endpoint = settings.endpoint();
        String offline = "or plan offline with --planner rules";
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException http) {
                int status = http.statusCode();
                String hint = status == 401 || status == 403 ? "check the key in TROUPE_LLM_API_KEY"
                        : status == 404 ? "check --llm-base-url (OpenAI-compatible URLs end in /v1) and --llm-model"
                        : status == 429 ? "wait and retry" : "check the server and --llm-model";
                return new LlmException("the LLM at " + endpoint + " answered HTTP " + status + snippet(http.getMessage())
                        + "; " + hint + ", " + offline);
            }
            if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException
                    || t instanceof UnresolvedAddressException) {
                return new LlmException("cannot reach the LLM at " + endpoint + " (" + t.getClass().getSimpleName()
                        + "); start the server or check --llm-base-url, " + offline);
            }
            if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException
                    || t instanceof dev.langchain4j.exception.TimeoutException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return new LlmException(String.format(Locale.ROOT,
                        "the LLM at %s did not answer within %.1f s; raise --llm-timeout, use a smaller model, %s",
                        endpoint, settings.timeout().toMillis() / 1000.0, offline));
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new LlmException("the LLM call to " + endpoint + " failed: " + root.getClass().getSimpleName()
                + snippet(root.getMessage()) + "; check --llm-base-url and the server, " + offline);
    }

    private String snippet(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String one = settings.redact(message).replaceAll("\\s+", " ").strip();
        return " (" + (one.length() > 160 ? one.substring(0, 160) + "..." : one) + ")";
    }
}
