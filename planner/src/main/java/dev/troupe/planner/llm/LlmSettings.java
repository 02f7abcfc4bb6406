package dev.troupe.planner.llm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how the LLM planner asks.
 *
 * @param provider wire format
 * @param baseUrl  e.g. http://127.0.0.1:8000/v1 (OpenAI-compatible) or http://localhost:11434 (Ollama)
 * @param model    the model name the endpoint knows
 * @param apiKey   from the environment only, or null; never printed ({@link #toString()} hides it)
 * @param timeout  the longest one call may take
 * @param cacheDir where answers are kept between runs, or null for no cache
 * @param boxes    whether the LLM also proposes subject boxes (checked, clipped or rejected)
 */
public record LlmSettings(LlmProvider provider, String baseUrl, String model, String apiKey, Duration timeout,
                          Path cacheDir, boolean boxes) {

    public LlmSettings {
        baseUrl = LlmProvider.stripSlash(baseUrl);
    }

    /** Where the chat requests go, as messages show it: without the URL's user info or query (see {@link #redact}). */
    public String endpoint() {
        return LlmProvider.redactUrl(provider.endpoint(baseUrl));
    }

    /** The base URL as messages show it. */
    public String shownBaseUrl() {
        return LlmProvider.redactUrl(baseUrl);
    }

    public LlmSettings withCacheDir(Path dir) {
        return new LlmSettings(provider, baseUrl, model, apiKey, timeout, dir, boxes);
    }

    public LlmSettings withBoxes(boolean on) {
        return new LlmSettings(provider, baseUrl, model, apiKey, timeout, cacheDir, on);
    }

    /**
     * Removes the API key and the base URL's credentials from a text that might echo them (a server's error body,
     * an exception message).
     */
    String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text.replace(baseUrl, shownBaseUrl());
        java.net.URI uri = uri(baseUrl);
        if (uri != null && uri.getRawUserInfo() != null) {
            out = out.replace(uri.getRawUserInfo(), "***");
            if (uri.getUserInfo() != null) {
                out = out.replace(uri.getUserInfo(), "***");
            }
        }
        return apiKey == null || apiKey.isEmpty() ? out : out.replace(apiKey, "***");
    }

    private static java.net.URI uri(String url) {
        try {
            return new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "LlmSettings[" + provider.id() + " " + endpoint() + ", model " + model + ", key "
                + (apiKey == null ? "none" : "set") + ", timeout " + timeout.toMillis() + " ms, cache " + cacheDir
                + ", boxes " + boxes + "]";
    }
}
