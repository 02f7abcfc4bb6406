package dev.troupe.batch.manifest;

import dev.troupe.batch.plan.Shard;
import dev.troupe.planner.Lexicon;
import dev.troupe.scene.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestTest {

    private static final Lexicon LEXICON = Lexicon.standard();

    @TempDir
    Path dir;

    private Manifest read(String file, String text) throws Exception {
        Path path = dir.resolve(file);
        Files.writeString(path, text);
        return Manifest.read(path, LEXICON);
    }

    @Test
    void aMalformedJsonLineIsOneErrorNamingTheLine() {
        assertThatThrownBy(() -> read("jobs.jsonl", """
                {"request": "five office workers"}

                {"request": "two runners", "count": 2,
                """)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("jobs.jsonl line 3: not valid JSON").hasMessageContaining("{\"request\"");
    }

    @Test
    void malformedYamlNamesTheLine() {
        assertThatThrownBy(() -> read("jobs.yaml", """
                quotas:
                  gender: {female: 1, male: 1}
                jobs:
                  - request: "five office workers"
                  - request: [unclosed
                """)).isInstanceOf(UserInputException.class).hasMessageMatching(".*jobs.yaml line [56]: not valid YAML.*");
        assertThatThrownBy(() -> read("q.yaml", """
                quotas:
                  colour: {red: 1}
                jobs: []
                """)).hasMessageContaining("q.yaml line 1: quotas.colour").hasMessageContaining("gender");
        assertThatThrownBy(() -> read("h.yaml", "seeds: 3\njobs: []\n")).hasMessageContaining("unknown batch setting 'seeds'");
        assertThatThrownBy(() -> read("x.txt", "")).hasMessageContaining(".jsonl").hasMessageContaining(".yaml");
    }

    @Test
    void yamlDefaultsMergeIntoJobsAndRepeatExpandsWithUniqueNames() throws Exception {
        Manifest m = read("jobs.yaml", """
                seed: 11
                quotas:
                  skin: "light:1,dark:1"
                defaults:
                  count: 3
                  mixes: {gender: "female:1,male:1"}
                jobs:
                  - request: "office workers in an office"
                    name: crew
                    repeat: 3
                  - request: "runners in a park"
                    mixes: {top: "red:1"}
                    count: 2
                """);
        assertThat(m.seed()).isEqualTo(11);
        assertThat(m.quotas()).containsOnlyKeys("skin");
        assertThat(m.entries()).extracting(Manifest.Entry::name)
                .containsExactly("crew-001", "crew-002", "crew-003", "0004-runners-in-a-park");
        assertThat(m.entries()).extracting(Manifest.Entry::line).containsExactly(8, 8, 8, 11);
        Manifest.Entry runners = m.entries().get(3);
        assertThat(runners.fields().get("count").asInt()).isEqualTo(2);
        assertThat(runners.fields().get("mixes").fieldNames()).toIterable().containsExactly("gender", "top");
        assertThat(m.entries().get(0).fields().get("count").asInt()).isEqualTo(3);
    }

    @Test
    void namesCannotEscapeTheOutputFolderOrClobberEachOther() throws Exception {
        Manifest m = read("jobs.jsonl", """
                {"batch": {"seed": 1}}
                {"request": "a", "name": "../../etc/passwd"}
                {"request": "b", "name": "/abs/path"}
                {"request": "c", "name": "Team"}
                {"request": "d", "name": "team"}
                {"request": "e", "name": "team.plan"}
                {"request": "f", "name": "..."}
                {"request": "g", "name": "C:\\\\windows\\\\x"}
                """);
        List<String> names = m.entries().stream().map(Manifest.Entry::name).toList();
        assertThat(names).containsExactly("etc-passwd", "abs-path", "team", "team-2", "team-plan", "job", "c-windows-x");
        assertThat(names).allSatisfy(n -> assertThat(n).matches("[a-z0-9_-]+"));
        assertThat(new HashSet<>(names)).hasSize(names.size());
    }

    @Test
    void aBadJobFailsAloneWithAMessageNamingTheField() throws Exception {
        Manifest m = read("jobs.jsonl", """
                {"request": "five office workers in an office", "colour": "red"}
                {"plan": "missing.plan.json"}
                {"request": "two runners in a park", "repeat": -1}
                {"request": "two runners in a park", "size": "100x7"}
                {"request": "three runners in a park"}
                """);
        assertThat(m.entries()).hasSize(5);
        assertThatThrownBy(() -> JobSpec.parse(m.entries().get(0), m, LEXICON, 0)).hasMessageContaining("unknown field 'colour'");
        assertThatThrownBy(() -> JobSpec.parse(m.entries().get(1), m, LEXICON, 0)).hasMessageContaining("plan file missing.plan.json does not exist");
        assertThatThrownBy(() -> JobSpec.parse(m.entries().get(2), m, LEXICON, 0)).hasMessageContaining("repeat must be");
        assertThatThrownBy(() -> JobSpec.parse(m.entries().get(3), m, LEXICON, 0)).hasMessageContaining("multiples of 32");
        assertThat(JobSpec.parse(m.entries().get(4), m, LEXICON, 0).request()).isEqualTo("three runners in a park");
    }

    @Test
    void shardsCoverEveryJobExactlyOnce() {
        List<Integer> jobs = IntStream.range(0, 103).boxed().toList();
        for (int n = 1; n <= 7; n++) {
            Set<Integer> seen = new HashSet<>();
            int total = 0;
            for (int i = 0; i < n; i++) {
                List<Integer> part = new Shard(i, n).select(jobs);
                assertThat(part.size()).isBetween(103 / n, 103 / n + 1);
                assertThat(new Shard(i, n).select(jobs)).isEqualTo(part); // deterministic
                seen.addAll(part);
                total += part.size();
            }
            assertThat(total).isEqualTo(103);
            assertThat(seen).hasSize(103);
        }
        assertThat(Shard.parse("2/4")).isEqualTo(new Shard(2, 4));
        assertThatThrownBy(() -> Shard.parse("4/4")).hasMessageContaining("from 0 to n-1");
        assertThatThrownBy(() -> Shard.parse("x")).hasMessageContaining("i/n");
    }
}
