package dev.troupe.planner;

/**
 * The understanding step of planning: a request in English to a {@link GroupSpec}. The rule parser
 * ({@link RequestParser}) reads structured requests offline; the LLM reader
 * ({@code dev.troupe.planner.llm.LlmRequestReader}) reads open-ended ones. Either way the counts
 * and proportions are decided afterwards in code, never by the reader.
 */
public interface RequestReader {

    /** @throws RequestException when the request cannot be understood; the message says what works */
    GroupSpec parse(String request);
}
