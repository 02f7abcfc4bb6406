package dev.troupe.planner.write;

import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Subgroup;
import dev.troupe.planner.layout.Layout;
import dev.troupe.scene.Box;

import java.util.List;
import java.util.Map;

/**
 * The prompt-writing step of planning: each subject's assigned attributes to its prompt. The
 * templates of a profile ({@link TemplateSubjectWriter}) or an LLM
 * ({@code dev.troupe.planner.llm.LlmSubjectWriter}) write them; the attributes themselves were
 * already sampled in code and are not the writer's to change.
 */
public interface SubjectWriter {

    /** One subject: the part of the group it belongs to, and its assigned attributes (dimension -> value). */
    record Subject(Subgroup group, Map<String, String> attributes) {
    }

    /**
     * @param prompts one per subject, in subject order
     * @param boxes   one per subject replacing the layout's boxes, or null to keep the layout's
     */
    record Subjects(List<String> prompts, List<Box> boxes) {
        public Subjects {
            prompts = List.copyOf(prompts);
            boxes = boxes == null ? null : List.copyOf(boxes);
        }
    }

    /**
     * @param subjects   one per subject, in subject (region) order
     * @param placement  the layout's canvas and boxes
     * @param templates  the profile's template writer, the fallback for any subject an LLM gets wrong
     */
    Subjects write(GroupSpec spec, List<Subject> subjects, Layout.Placement placement, PromptWriter templates);
}
