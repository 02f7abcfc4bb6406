package dev.troupe.planner.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.troupe.planner.RequestException;
import dev.troupe.scene.FileErrors;
import dev.troupe.scene.JsonErrors;
import dev.troupe.scene.UserInputException;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides which planner runs and with which endpoint, from command-line flags, then environment
 * variables, then the config file ({@code TROUPE_CONFIG}, else {@code ~/.config/troupe/config.yaml}):
 *
 * <pre>
 * planner: auto            # rules | openai | ollama | auto
 * llm:
 *   baseUrl: http://127.0.0.1:8000/v1
 *   model: qwen2.5-7b-instruct
 *   timeout: 60s
 *   cache: ~/.cache/troupe/llm   # or "none"
 *   boxes: false
 * </pre>
 *
 * <p>API keys come only from the environment ({@code TROUPE_LLM_API_KEY}, or {@code OPENAI_API_KEY}
 * for OpenAI-compatible endpoints); a config file holding one is refused. {@code auto} uses an LLM
 * when a base URL is configured (OpenAI-compatible when it ends in /v1, else Ollama), and the rule
 * planner otherwise.
 */
public final class PlannerConfig {

    /** What the user typed; null where a flag was not given. */
    public record Flags(String planner, String baseUrl, String model, String timeout, String cache, Boolean boxes) {
        public static Flags none() {
            return new Flags(null, null, null, null, null, null);
        }
    }

    /**
     * @param llm    the LLM to plan with, or null for the rule planner
     * @param notice one line to show the user once (why the rule planner runs), or null
     */
    public record Choice(LlmSettings llm, String notice) {
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final String OLLAMA_DEFAULT_URL = "http://localhost:11434";
    static final String OPENAI_DEFAULT_URL = "https://api.openai.com/v1";
    private static final Set<String> TOP_KEYS = Set.of("planner", "llm");
    private static final Set<String> LLM_KEYS = Set.of("baseUrl", "model", "timeout", "cache", "boxes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private PlannerConfig() {
    }

    /** @throws RequestException for an unknown planner, a bad URL or timeout, a missing model, a bad config file */
    public static Choice resolve(Flags flags, Map<String, String> env) {
        Path configPath = configPath(env);
        JsonNode config = readConfig(configPath, env.get("TROUPE_CONFIG") != null);
        JsonNode llm = config.path("llm");
        String where = configPath.toString();

        String planner = first(flags.planner(), env.get("TROUPE_PLANNER"), text(config, "planner"), "auto")
                .toLowerCase(Locale.ROOT).strip();
        String baseUrl = first(flags.baseUrl(), env.get("TROUPE_LLM_BASE_URL"), text(llm, "baseUrl"), null);
        LlmProvider provider;
        switch (planner) {
            case "rules" -> {
                return new Choice(null, null);
            }
            case "openai" -> provider = LlmProvider.OPENAI;
            case "ollama" -> provider = LlmProvider.OLLAMA;
            case "auto" -> {
                if (baseUrl == null) {
                    return new Choice(null, "no LLM endpoint configured (--llm-base-url, TROUPE_LLM_BASE_URL or llm.baseUrl in "
                            + where + "); planning with the rule planner");
                }
                String path = LlmProvider.stripSlash(baseUrl);
                provider = path.endsWith("/v1") ? LlmProvider.OPENAI : LlmProvider.OLLAMA;
            }
            default -> throw new RequestException("unknown planner '" + planner + "'; planners: rules, openai, ollama, auto");
        }
        String apiKey = blankToNull(env.get("TROUPE_LLM_API_KEY"));
        if (apiKey == null && provider == LlmProvider.OPENAI) {
            apiKey = blankToNull(env.get("OPENAI_API_KEY"));
        }
        if (baseUrl == null) {
            if (provider == LlmProvider.OLLAMA) {
                baseUrl = OLLAMA_DEFAULT_URL;
            } else if (apiKey != null) {
                baseUrl = OPENAI_DEFAULT_URL;
            } else {
                throw new RequestException("--planner openai needs an endpoint: --llm-base-url http://HOST:PORT/v1, "
                        + "TROUPE_LLM_BASE_URL, or llm.baseUrl in " + where + " (or an API key in TROUPE_LLM_API_KEY "
                        + "for api.openai.com)");
            }
        }
        checkUrl(baseUrl);
        String model = first(flags.model(), env.get("TROUPE_LLM_MODEL"), text(llm, "model"), null);
        if (model == null) {
            throw new RequestException("the " + provider.id() + " planner needs a model name: --llm-model NAME, "
                    + "TROUPE_LLM_MODEL, or llm.model in " + where);
        }
        Duration timeout = parseTimeout(first(flags.timeout(), env.get("TROUPE_LLM_TIMEOUT"), text(llm, "timeout"), null));
        String cache = first(flags.cache(), env.get("TROUPE_LLM_CACHE"), text(llm, "cache"), null);
        Path cacheDir = cache == null ? defaultCache(env) : cache.equalsIgnoreCase("none") ? null : expandHome(cache, env);
        boolean boxes = flags.boxes() != null ? flags.boxes() : llm.path("boxes").asBoolean(false);
        return new Choice(new LlmSettings(provider, baseUrl, model, apiKey, timeout, cacheDir, boxes), null);
    }

    /** "60", "60s", "1500ms", "2m" -> a positive duration; null -> the default. */
    public static Duration parseTimeout(String text) {
        if (text == null) {
            return DEFAULT_TIMEOUT;
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).strip()));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).strip()) * 1000));
            } else if (t.endsWith("m")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).strip()) * 60_000));
            } else {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
            }
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (NumberFormatException | ArithmeticException ignored) {
            // the message below says what works
        }
        throw new RequestException("LLM timeout '" + text + "' is not a positive duration; e.g. --llm-timeout 30s "
                + "(seconds; ms and m work too)");
    }

    static Path configPath(Map<String, String> env) {
        String explicit = blankToNull(env.get("TROUPE_CONFIG"));
        if (explicit != null) {
            return expandHome(explicit, env);
        }
        String xdg = blankToNull(env.get("XDG_CONFIG_HOME"));
        Path base = xdg != null ? Path.of(xdg) : home(env).resolve(".config");
        return base.resolve("troupe").resolve("config.yaml");
    }

    private static Path defaultCache(Map<String, String> env) {
        String xdg = blankToNull(env.get("XDG_CACHE_HOME"));
        Path base = xdg != null ? Path.of(xdg) : home(env).resolve(".cache");
        return base.resolve("troupe").resolve("llm");
    }

    private static Path home(Map<String, String> env) {
        String home = blankToNull(env.get("HOME"));
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }

    private static Path expandHome(String path, Map<String, String> env) {
        return path.equals("~") || path.startsWith("~/") ? home(env).resolve(path.substring(Math.min(2, path.length())))
                : Path.of(path);
    }

    private static JsonNode readConfig(Path path, boolean explicit) {
        if (!Files.exists(path)) {
            if (explicit) {
                throw new RequestException("TROUPE_CONFIG names " + path + ", which does not exist; create it or unset TROUPE_CONFIG");
            }
            return YAML.createObjectNode();
        }
        JsonNode doc;
        try {
            doc = YAML.readTree(FileErrors.readText(path, "config file", 1_000_000));
        } catch (UserInputException e) {
            throw new RequestException(e.getMessage() + "; point TROUPE_CONFIG elsewhere");
        } catch (JsonProcessingException e) {
            throw new RequestException("cannot read the config file " + path + ": " + JsonErrors.describe(e)
                    + "; fix its YAML or point TROUPE_CONFIG elsewhere");
        }
        if (doc == null || doc.isMissingNode() || doc.isNull()) {
            return YAML.createObjectNode();
        }
        if (!doc.isObject()) {
            throw new RequestException("the config file " + path + " must be a YAML mapping, e.g. \"planner: auto\"");
        }
        List<String> unknown = new ArrayList<>();
        doc.fieldNames().forEachRemaining(k -> {
            if (!TOP_KEYS.contains(k)) {
                unknown.add(k);
            }
        });
        JsonNode llm = doc.path("llm");
        if (llm.has("apiKey") || llm.has("api_key") || doc.has("apiKey")) {
            throw new RequestException("the config file " + path + " holds an API key; keys are read only from the "
                    + "environment: remove it there and set TROUPE_LLM_API_KEY");
        }
        llm.fieldNames().forEachRemaining(k -> {
            if (!LLM_KEYS.contains(k)) {
                unknown.add("llm." + k);
            }
        });
        if (!unknown.isEmpty()) {
            throw new RequestException("the config file " + path + " has unknown keys " + unknown
                    + "; known: planner, llm.baseUrl, llm.model, llm.timeout, llm.cache, llm.boxes");
        }
        return doc;
    }

    private static void checkUrl(String url) {
        try {
            URI uri = new URI(url.strip());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return;
            }
        } catch (URISyntaxException ignored) {
            // the message below says what works
        }
        throw new RequestException("LLM base URL '" + LlmProvider.redactUrl(url) + "' is not an http(s) URL; e.g. --llm-base-url "
                + "http://127.0.0.1:8000/v1 (OpenAI-compatible) or http://localhost:11434 (Ollama)");
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : blankToNull(v.asText());
    }

    private static String first(String a, String b, String c, String fallback) {
        for (String s : new String[] {a, b, c}) {
            if (blankToNull(s) != null) {
                return s.strip();
            }
        }
        return fallback;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
