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

    public String endpoint() {
        return provider.endpoint(baseUrl);
    }

    public LlmSettings withCacheDir(Path dir) {
        return new LlmSettings(provider, baseUrl, model, apiKey, timeout, dir, boxes);
    }

    public LlmSettings withBoxes(boolean on) {
        return new LlmSettings(provider, baseUrl, model, apiKey, timeout, cacheDir, on);
    }

    /** Removes the API key from a text that might echo it (a server's error body, an exception message). */
    String redact(String text) {
        if (text == null) {
            return "";
        }
        return apiKey == null || apiKey.isEmpty() ? text : text.replace(apiKey, "***");
    }

    @Override
    public String toString() {
        return "LlmSettings[" + provider.id() + " " + endpoint() + ", model " + model + ", key "
                + (apiKey == null ? "none" : "set") + ", timeout " + timeout.toMillis() + " ms, cache " + cacheDir
                + ", boxes " + boxes + "]";
    }
}
