package dev.troupe.batch.command;

import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.llm.LlmPlanner;
import dev.troupe.planner.llm.PlannerConfig;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Map;

/**
 * The planner options shared by every command that plans ({@code troupe plan}, {@code run}, {@code batch}, the
 * studio, and the Spark job): which planner, and where its LLM is. Flags win over TROUPE_* environment variables, which
 * win over the config file; see {@link PlannerConfig}.
 */
public final class PlannerOptions {

    @Option(names = "--planner", paramLabel = "rules|openai|ollama|auto",
            description = "who reads the request and writes the prompts: rules (offline), an LLM at an openai-compatible "
                    + "or ollama endpoint, or auto: an LLM when one is configured (default: TROUPE_PLANNER, the config file, auto)")
    String planner;

    @Option(names = "--llm-base-url", paramLabel = "URL",
            description = "LLM endpoint, e.g. http://127.0.0.1:8000/v1 (OpenAI-compatible) or http://localhost:11434 (Ollama); "
                    + "default: TROUPE_LLM_BASE_URL or llm.baseUrl in the config file")
    String baseUrl;

    @Option(names = "--llm-model", paramLabel = "NAME", description = "model name at the endpoint (default: TROUPE_LLM_MODEL or llm.model)")
    String model;

    @Option(names = "--llm-timeout", paramLabel = "DURATION", description = "longest one LLM call may take, e.g. 30s (default: 60s)")
    String timeout;

    @Option(names = "--llm-cache", paramLabel = "DIR",
            description = "where LLM answers are kept so re-runs make no calls, or 'none' (default: ~/.cache/troupe/llm)")
    String cache;

    @Option(names = "--llm-boxes", description = "let the LLM propose the subject boxes too (clipped to the canvas, or rejected)")
    Boolean boxes;

    /** Who plans with these options: "rules", or the LLM's model and endpoint (no key). */
    public String describe(Map<String, String> env) {
        PlannerConfig.Choice choice = PlannerConfig.resolve(
                new PlannerConfig.Flags(planner, baseUrl, model, timeout, cache, boxes), env);
        return choice.llm() == null ? "rules" : choice.llm().model() + " at " + choice.llm().shownBaseUrl();
    }

    /**
     * The plan builder these options ask for. Prints at most one line about the choice (why the rule
     * planner runs) and, later, one line per LLM fallback.
     */
    public PlanBuilder planBuilder(Map<String, String> env, PrintWriter err) {
        PlannerConfig.Choice choice = PlannerConfig.resolve(
                new PlannerConfig.Flags(planner, baseUrl, model, timeout, cache, boxes), env);
        if (choice.notice() != null) {
            err.println("troupe: " + choice.notice());
        }
        if (choice.llm() == null) {
            return PlanBuilder.standard();
        }
        PlanBuilder standard = PlanBuilder.standard();
        return LlmPlanner.create(choice.llm(), standard.lexicon(), notice -> err.println("troupe: " + notice));
    }
}
