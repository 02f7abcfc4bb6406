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

    /**
     * The request, stripped, when it is one a reader should read: not empty, not longer than the lexicon allows.
     *
     * @throws RequestException otherwise, with a request that works
     */
    static String checked(String request, Lexicon lexicon) {
        if (request == null || request.isBlank()) {
            throw new RequestException("the request is empty; describe the group, e.g. \"" + lexicon.example() + "\"");
        }
        if (request.length() > lexicon.maxRequestLength()) {
            throw new RequestException("the request is " + request.length() + " characters long; keep it under "
                    + lexicon.maxRequestLength() + " characters, e.g. \"" + lexicon.example() + "\"");
        }
        return request.strip();
    }
}
