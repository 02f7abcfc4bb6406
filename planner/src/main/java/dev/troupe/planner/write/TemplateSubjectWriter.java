package dev.troupe.planner.write;

import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.layout.Layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes every subject's prompt from the profile's templates: offline, and the same every time. */
public final class TemplateSubjectWriter implements SubjectWriter {

    @Override
    public Subjects write(GroupSpec spec, List<Map<String, String>> attributes, Layout.Placement placement,
                          PromptWriter templates) {
        List<String> prompts = new ArrayList<>();
        for (Map<String, String> subject : attributes) {
            prompts.add(templates.subject(subject, spec));
        }
        return new Subjects(prompts, null);
    }
}
