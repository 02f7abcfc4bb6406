package dev.troupe.planner.llm;

import dev.troupe.planner.Lexicon;
import dev.troupe.planner.PlanBuilder;

import java.util.function.Consumer;

/**
 * A {@link PlanBuilder} whose understanding and writing steps are an LLM's, through LangChain4j;
 * apportionment, sampling and layout stay the planner's own.
 */
public final class LlmPlanner {

    private LlmPlanner() {
    }

    /**
     * @param notices receives one line per thing the user should know (a subject that fell back to its
     *                template, a rejected box set, an answer cache that cannot be written); never the API key
     */
    public static PlanBuilder create(LlmSettings settings, Lexicon lexicon, Consumer<String> notices) {
        LlmChat chat = new LlmChat(LlmChat.model(settings), settings, notices);
        return new PlanBuilder(lexicon, new LlmRequestReader(chat, lexicon), new LlmSubjectWriter(chat, notices));
    }
}
