package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * One versioned system prompt of the LLM planner, from {@code troupe/llm/<name>.yaml} in the prompts
 * module: the version, the instruction text with {placeholders}, worked examples, and whatever else
 * the file holds ({@link #doc()}).
 */
record LlmPrompt(String name, String version, String system, JsonNode examples, JsonNode doc) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static LlmPrompt load(String name) {
        String resource = "/troupe/llm/" + name + ".yaml";
        try (InputStream in = LlmPrompt.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path (the prompts module)");
            }
            JsonNode doc = YAML.readTree(in);
            String version = doc.path("version").asText("");
            String system = doc.path("system").asText("");
            if (version.isBlank() || system.isBlank()) {
                throw new IllegalStateException(resource + ": needs 'version' and 'system'");
            }
            return new LlmPrompt(name, version, system, doc.path("examples"), doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The first line every system prompt starts with: it names the prompt version. */
    String header() {
        return "[prompt " + version + "]";
    }
}
