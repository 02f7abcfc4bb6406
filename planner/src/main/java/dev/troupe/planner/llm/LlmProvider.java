package dev.troupe.planner.llm;

import java.util.Locale;

/** The two wire formats the LLM planner speaks, and the path each appends to its base URL. */
public enum LlmProvider {
    /** OpenAI's chat completions: OpenAI, vLLM, llama.cpp's server, LM Studio. The base URL ends in /v1. */
    OPENAI("/chat/completions"),
    /** Ollama's own chat API. */
    OLLAMA("/api/chat");

    private final String path;

    LlmProvider(String path) {
        this.path = path;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The URL the chat request goes to, e.g. http://127.0.0.1:8000/v1/chat/completions. */
    public String endpoint(String baseUrl) {
        return stripSlash(baseUrl) + path;
    }

    /**
     * The URL as messages may show it: user info ({@code user:password@}) and the query string, which can hold
     * credentials, replaced by {@code ***}.
     */
    public static String redactUrl(String url) {
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", "$1***@").replaceFirst("\\?[^#]*", "?***");
    }

    static String stripSlash(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
