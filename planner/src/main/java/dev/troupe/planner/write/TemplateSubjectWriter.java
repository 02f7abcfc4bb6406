package dev.troupe.planner.write;

import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.layout.Layout;

import java.util.ArrayList;
import java.util.List;

/** Writes every subject's prompt from the profile's templates: offline, and the same every time. */
public final class TemplateSubjectWriter implements SubjectWriter {

    @Override
    public Subjects write(GroupSpec spec, List<Subject> subjects, Layout.Placement placement, PromptWriter templates) {
        List<String> prompts = new ArrayList<>();
        for (Subject subject : subjects) {
            prompts.add(templates.subject(subject.attributes(), subject.group(), spec));
        }
        return new Subjects(prompts, null);
    }
}
