package dev.troupe.planner.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.PlanResult;
import dev.troupe.planner.RequestException;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.troupe.planner.llm.FakeLlmServer.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LLM planner against a local endpoint speaking the real OpenAI and Ollama wire formats. */
class LlmPlannerTest {

    static final String QUARTET = "a jazz quartet on a smoky stage, varied ages and ethnicities, one of them on double bass";
    static final String KEY = "sk-test-secret-123";

    @TempDir
    Path cache;

    /** The understanding of the quartet request, as a good model answers it. */
    static String quartet(Object count) {
        return "{\"groups\": [{\"count\": " + count + ", \"subject\": \"jazz musician\", \"subjectNoun\": \"musician\","
                + " \"fixed\": [], \"mixes\": [{\"dimension\": \"age\", \"shares\": []},"
                + " {\"dimension\": \"skin\", \"shares\": []}], \"details\": null}], \"total\": null,"
                + " \"all\": {\"fixed\": [], \"mixes\": []},"
                + " \"scene\": \"on a smoky stage\", \"sceneKind\": \"studio\", \"style\": null, \"styleKind\": null,"
                + " \"layout\": null, \"details\": null}";
    }

    /** Subject prompts with every mustContain phrase, except those {@code drop} names (id -> phrase). */
    static String subjects(FakeLlmServer.Received r, Map<String, String> drop, Function<String, int[]> boxes) {
        JsonNode task = task(r);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode out = answer.putArray("subjects");
        for (JsonNode s : task.path("subjects")) {
            String id = s.path("id").asText();
            List<String> words = new ArrayList<>(List.of("a jazz musician"));
            s.path("mustContain").forEach(p -> {
                if (!p.asText().equals(drop.get(id))) {
                    words.add(p.asText());
                }
            });
            words.add(id.equals("s1") ? "playing a double bass" : "playing the piano");
            words.add(task.path("scene").asText());
            ObjectNode o = out.addObject();
            o.put("id", id);
            o.put("prompt", String.join(", ", words));
            if (boxes != null) {
                int[] b = boxes.apply(id);
                o.putArray("box").add(b[0]).add(b[1]).add(b[2]).add(b[3]);
            }
        }
        return answer.toString();
    }

    static JsonNode task(FakeLlmServer.Received r) {
        for (JsonNode m : r.body().path("messages")) {
            String content = m.path("content").asText();
            if (m.path("role").asText().equals("user") && content.startsWith("Task: ")) {
                try {
                    return JSON.readTree(content.substring("Task: ".length()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new AssertionError("no task in " + r.body());
    }

    /** A model that understands the quartet and writes every prompt right. */
    static FakeLlmServer.Reply good(FakeLlmServer.Received r) {
        return FakeLlmServer.Reply.ok(r.isUnderstanding() ? quartet(4) : subjects(r, Map.of(), null));
    }

    LlmSettings settings(FakeLlmServer server, LlmProvider provider) {
        return new LlmSettings(provider, server.baseUrl(), "test-model", KEY, Duration.ofSeconds(10), cache, false);
    }

    static PlanResult plan(LlmSettings settings, List<String> notices, long seed) {
        PlanBuilder builder = LlmPlanner.create(settings, Lexicon.standard(), notices::add);
        return builder.build(QUARTET, PlanOptions.seeded(seed).withProfile("sd15"));
    }

    @Test
    void openAiGoodAnswersGiveABalancedPlanWithLlmPrompts() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, LlmPlannerTest::good)) {
            List<String> notices = new ArrayList<>();
            PlanResult result = plan(settings(server, LlmProvider.OPENAI), notices, 3);
            ScenePlan plan = result.plan();
            assertThat(plan.regions()).hasSize(4);
            assertThat(notices).isEmpty();
            // ages and skins were apportioned in code: 4 over 4 ages -> one each; 4 over 6 skins -> at most one each
            assertThat(plan.regions().stream().map(r -> r.attributes().get("age")).distinct()).hasSize(4);
            assertThat(plan.regions().stream().map(r -> r.attributes().get("skin")).distinct()).hasSize(4);
            for (Region r : plan.regions()) {
                assertThat(r.prompt()).startsWith("a jazz musician")
                        .contains(r.attributes().get("skin") + " skin", r.attributes().get("age"), "on a smoky stage");
            }
            assertThat(plan.regions().get(0).prompt()).contains("double bass");
            assertThat(result.spec().sceneWords()).isEqualTo("on a smoky stage");
            assertThat(plan.background()).contains("a smoky stage");

            List<FakeLlmServer.Received> sent = server.received();
            assertThat(sent).hasSize(2);
            FakeLlmServer.Received understand = sent.get(0);
            assertThat(understand.path()).isEqualTo("/v1/chat/completions");
            assertThat(understand.authorization()).isEqualTo("Bearer " + KEY);
            assertThat(understand.body().path("model").asText()).isEqualTo("test-model");
            JsonNode format = understand.body().path("response_format");
            assertThat(format.path("type").asText()).isEqualTo("json_schema");
            assertThat(format.path("json_schema").path("name").asText()).isEqualTo("group_spec");
            JsonNode properties = format.path("json_schema").path("schema").path("properties");
            assertThat(properties.path("groups").path("items").path("properties").has("count")).isTrue();
            assertThat(understand.system()).startsWith("[prompt troupe-understand/2]").contains("Examples:");
            assertThat(understand.lastUser()).isEqualTo("Request: " + QUARTET);

            FakeLlmServer.Received write = sent.get(1);
            assertThat(write.system()).startsWith("[prompt troupe-subjects/1]");
            assertThat(write.body().path("response_format").path("json_schema").path("name").asText())
                    .isEqualTo("subject_prompts");
            JsonNode task = task(write);
            assertThat(task.path("subjects")).hasSize(4);
            assertThat(task.path("subjects").path(0).path("mustContain").toString()).contains(" skin");
        }
    }

    static final String TEAM = "two female doctors and three nurses in scrubs, all of them diverse";

    /** A compound group as a good model reads it: two parts, a fixed value in one, a mix of the whole group. */
    static final String TEAM_ANSWER = """
            {"groups": [
               {"count": 2, "subject": "doctor", "subjectNoun": "doctor",
                "fixed": [{"dimension": "gender", "value": "female"}], "mixes": [], "details": null},
               {"count": 3, "subject": "nurse", "subjectNoun": "nurse", "fixed": [], "mixes": [], "details": "in scrubs"}],
             "total": null, "all": {"fixed": [], "mixes": [{"dimension": "skin", "shares": []}]},
             "scene": null, "sceneKind": null, "style": null, "styleKind": null, "layout": null, "details": null}
            """;

    @Test
    void aCompoundGroupIsReadThroughASchemaThatKeepsEveryValueToItsDimension() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(
                r.isUnderstanding() ? TEAM_ANSWER : subjects(r, Map.of(), null)))) {
            PlanBuilder builder = LlmPlanner.create(settings(server, LlmProvider.OPENAI), Lexicon.standard(), n -> { });
            PlanResult result = builder.build(TEAM, PlanOptions.seeded(4).withProfile("sd15"));
            ScenePlan plan = result.plan();
            // the parts' counts are exact, each part has its values, the whole group's mix spans both parts
            assertThat(plan.regions()).extracting(Region::group).containsExactlyInAnyOrder("doctor", "doctor", "nurse",
                    "nurse", "nurse");
            assertThat(plan.regions()).filteredOn(r -> r.group().equals("doctor"))
                    .allSatisfy(r -> assertThat(r.attributes()).containsEntry("gender", "female"));
            assertThat(plan.regions()).filteredOn(r -> r.group().equals("nurse"))
                    .allSatisfy(r -> assertThat(r.attributes()).doesNotContainKey("gender"));
            assertThat(plan.regions().stream().map(r -> r.attributes().get("skin")).distinct()).hasSize(5);
            // the parts stand together: doctors on the left, nurses on the right
            List<Region> byX = plan.regions().stream().sorted(java.util.Comparator.comparingInt(r -> r.box().x())).toList();
            assertThat(byX).extracting(Region::group).containsExactly("doctor", "doctor", "nurse", "nurse", "nurse");

            // on the wire: every "fixed" and "mixes" item is one branch per dimension, with that dimension's values only
            JsonNode schema = server.received().get(0).body().path("response_format").path("json_schema").path("schema");
            JsonNode group = schema.path("properties").path("groups").path("items").path("properties");
            Lexicon lexicon = Lexicon.standard();
            for (JsonNode node : List.of(group.path("fixed"), schema.path("properties").path("all").path("properties").path("fixed"))) {
                JsonNode branches = node.path("items").path("anyOf");
                assertThat(branches).hasSize(lexicon.dimensions().size());
                for (JsonNode branch : branches) {
                    JsonNode dims = branch.path("properties").path("dimension").path("enum");
                    assertThat(dims).hasSize(1);
                    List<String> values = new ArrayList<>();
                    branch.path("properties").path("value").path("enum").forEach(v -> values.add(v.asText()));
                    assertThat(values).containsExactlyElementsOf(lexicon.dimension(dims.get(0).asText()).values().keySet());
                }
            }
            JsonNode mixBranch = group.path("mixes").path("items").path("anyOf").get(1);
            assertThat(mixBranch.path("properties").path("dimension").path("enum").get(0).asText()).isEqualTo("skin");
            assertThat(mixBranch.path("properties").path("shares").path("items").path("properties").path("value")
                    .path("enum").toString()).contains("pale", "dark").doesNotContain("red");
            assertThat(group.has("details")).isTrue();

            // the writer is told each subject's part and details
            JsonNode task = task(server.received().get(1));
            for (JsonNode s : task.path("subjects")) {
                Region r = plan.regions().stream().filter(x -> x.id().equals(s.path("id").asText())).findFirst().orElseThrow();
                assertThat(s.path("subject").asText()).isEqualTo(r.group());
                assertThat(s.path("details").asText()).isEqualTo(r.group().equals("nurse") ? "in scrubs" : "");
            }
        }
    }

    @Test
    void ollamaGoodAnswersSendTheSchemaAsFormat() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OLLAMA, LlmPlannerTest::good)) {
            List<String> notices = new ArrayList<>();
            ScenePlan plan = plan(settings(server, LlmProvider.OLLAMA), notices, 5).plan();
            assertThat(plan.regions()).hasSize(4);
            assertThat(plan.regions()).allSatisfy(r -> assertThat(r.prompt()).startsWith("a jazz musician"));
            List<FakeLlmServer.Received> sent = server.received();
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0).path()).isEqualTo("/api/chat");
            assertThat(sent.get(0).body().path("stream").asBoolean(true)).isFalse();
            JsonNode format = sent.get(0).body().path("format");
            assertThat(format.isObject()).as(sent.get(0).body().toString()).isTrue();
            assertThat(format.path("properties").path("groups").path("items").path("properties").has("mixes")).isTrue();
            assertThat(sent.get(0).system()).startsWith("[prompt troupe-understand/2]");
            assertThat(sent.get(1).body().path("format").path("properties").has("subjects")).isTrue();
        }
    }

    @Test
    void aDriftedPromptIsAskedAgainOnceNamingWhatIsMissing() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> {
            if (r.isUnderstanding()) {
                return FakeLlmServer.Reply.ok(quartet(4));
            }
            // first answer: s2 loses its skin phrase; the re-ask is answered right
            if (writes.getAndIncrement() == 0) {
                String skin = task(r).path("subjects").path(1).path("attributes").path("skin").asText();
                return FakeLlmServer.Reply.ok(subjects(r, Map.of("s2", skin + " skin"), null));
            }
            return FakeLlmServer.Reply.ok(subjects(r, Map.of(), null));
        })) {
            List<String> notices = new ArrayList<>();
            ScenePlan plan = plan(settings(server, LlmProvider.OPENAI), notices, 3).plan();
            assertThat(notices).isEmpty();
            Region s2 = plan.regions().get(1);
            assertThat(s2.prompt()).startsWith("a jazz musician").contains(s2.attributes().get("skin") + " skin");
            List<FakeLlmServer.Received> sent = server.received();
            assertThat(sent).hasSize(3);
            assertThat(sent.get(2).lastUser()).contains("s2 lacks '" + s2.attributes().get("skin") + " skin' (skin=")
                    .doesNotContain("s1 lacks");
        }
    }

    @Test
    void aPromptStillDriftedAfterTheReAskFallsBackToTheTemplate() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> {
            if (r.isUnderstanding()) {
                return FakeLlmServer.Reply.ok(quartet(4));
            }
            String skin = task(r).path("subjects").path(2).path("attributes").path("skin").asText();
            return FakeLlmServer.Reply.ok(subjects(r, Map.of("s3", skin + " skin"), null));
        })) {
            List<String> notices = new ArrayList<>();
            ScenePlan plan = plan(settings(server, LlmProvider.OPENAI), notices, 3).plan();
            Region s3 = plan.regions().get(2);
            assertThat(s3.prompt()).doesNotStartWith("a jazz musician")
                    .contains("with " + s3.attributes().get("skin") + " skin"); // the sd15 template
            assertThat(plan.regions().get(0).prompt()).startsWith("a jazz musician");
            assertThat(notices).singleElement().asString().startsWith("s3: the LLM's prompt lacks")
                    .contains("used the template prompt");
            assertThat(server.received()).hasSize(3);
        }
    }

    @Test
    void invalidJsonIsAskedForOnceMore() throws Exception {
        AtomicInteger understandings = new AtomicInteger();
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> {
            if (r.isUnderstanding() && understandings.getAndIncrement() == 0) {
                return FakeLlmServer.Reply.ok("{\"groups\": [{\"count\": 4, \"subject\": ");
            }
            return good(r);
        })) {
            ScenePlan plan = plan(settings(server, LlmProvider.OPENAI), new ArrayList<>(), 3).plan();
            assertThat(plan.regions()).hasSize(4);
            List<FakeLlmServer.Received> sent = server.received();
            assertThat(sent).hasSize(3);
            assertThat(sent.get(1).lastUser()).startsWith("That answer cannot be used: the answer is not valid JSON");
            assertThat(sent.get(1).body().path("messages").path(2).path("role").asText()).isEqualTo("assistant");
        }
    }

    @Test
    void invalidJsonTwiceIsAClearError() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok("sure! here it is"))) {
            LlmSettings settings = settings(server, LlmProvider.OPENAI);
            assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 3))
                    .isInstanceOf(LlmException.class)
                    .hasMessageContaining(server.baseUrl() + "/chat/completions")
                    .hasMessageContaining("malformed JSON twice")
                    .hasMessageContaining("--planner rules");
            assertThat(server.received()).hasSize(2);
        }
    }

    @Test
    void anAnswerOutsideTheDataIsMalformedToo() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(
                quartet(4).replace("\"fixed\": []", "\"fixed\": [{\"dimension\": \"skin\", \"value\": \"plaid\"}]")))) {
            LlmSettings settings = settings(server, LlmProvider.OPENAI);
            assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 3))
                    .isInstanceOf(LlmException.class)
                    .hasMessageContaining("'plaid' is not a value of skin");
            assertThat(server.received().get(1).lastUser()).contains("'plaid' is not a value of skin");
        }
    }

    @Test
    void http500IsAClearErrorNamingTheEndpoint() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.error(500))) {
            LlmSettings settings = settings(server, LlmProvider.OPENAI);
            assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 3))
                    .isInstanceOf(LlmException.class)
                    .hasMessageContaining("the LLM at " + server.baseUrl() + "/chat/completions answered HTTP 500")
                    .hasMessageContaining("--planner rules")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY).doesNotContain("\n"));
            assertThat(server.received()).hasSize(1); // no retries of a server error
        }
    }

    @Test
    void aServerSlowerThanTheTimeoutIsAClearError() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OLLAMA,
                r -> new FakeLlmServer.Reply(200, quartet(4), 3_000))) {
            LlmSettings settings = new LlmSettings(LlmProvider.OLLAMA, server.baseUrl(), "m", null,
                    Duration.ofMillis(400), cache, false);
            long start = System.nanoTime();
            assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 3))
                    .isInstanceOf(LlmException.class)
                    .hasMessageContaining("the LLM at " + server.baseUrl() + "/api/chat did not answer within 0.4 s")
                    .hasMessageContaining("--planner rules");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));
        }
    }

    @Test
    void absurdCountsAreRefused() throws Exception {
        // one limit for every planner: requests.yaml's maxSubjects (50), the rule reader's too
        for (String count : List.of("1000", "0", "-3", "51")) {
            try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(quartet(count)))) {
                LlmSettings settings = settings(server, LlmProvider.OPENAI);
                assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 3))
                        .isInstanceOf(RequestException.class)
                        .hasMessageContaining("a group of " + count)
                        .hasMessageContaining("1 to 50 subjects");
                assertThat(server.received()).hasSize(1);
            }
        }
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(
                r.isUnderstanding() ? quartet(50) : subjects(r, Map.of(), null)))) {
            assertThat(plan(settings(server, LlmProvider.OPENAI), new ArrayList<>(), 3).plan().regions()).hasSize(50);
        }
    }

    @Test
    void aReRunIsAnsweredFromTheCacheWithoutCalls() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, LlmPlannerTest::good)) {
            LlmSettings settings = settings(server, LlmProvider.OPENAI);
            ScenePlan first = plan(settings, new ArrayList<>(), 9).plan();
            assertThat(server.received()).hasSize(2);
            ScenePlan again = plan(settings, new ArrayList<>(), 9).plan();
            assertThat(server.received()).hasSize(2);
            assertThat(again).isEqualTo(first);
            plan(settings, new ArrayList<>(), 10); // other seed, other attributes: same understanding, new prompts
            assertThat(server.received()).hasSize(3);
            try (Stream<Path> files = Files.walk(cache)) {
                List<Path> entries = files.filter(Files::isRegularFile).toList();
                assertThat(entries).hasSize(3).allSatisfy(f -> {
                    String text = Files.readString(f);
                    assertThat(text).doesNotContain(KEY).contains("\"model\" : \"test-model\"", "troupe-");
                    assertThat(f.getFileName().toString()).matches("[0-9a-f]{64}\\.json");
                });
            }
        }
    }

    @Test
    void anUnwritableCacheIsToldOnceAndPlanningGoesOn() throws Exception {
        Path file = cache.resolve("a-file");
        Files.writeString(file, "not a folder");
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, LlmPlannerTest::good)) {
            List<String> notices = new ArrayList<>();
            LlmSettings settings = settings(server, LlmProvider.OPENAI).withCacheDir(file.resolve("llm"));
            ScenePlan plan = plan(settings, notices, 3).plan(); // two answers, neither can be kept
            assertThat(plan.regions()).hasSize(4);
            assertThat(notices).singleElement().asString().contains("cannot keep LLM answers in " + file.resolve("llm"))
                    .contains("planning goes on").contains("--llm-cache").doesNotContain("Exception");
            assertThat(server.received()).hasSize(2);
        }
    }

    @Test
    void theCacheIsOwnerOnly() throws Exception {
        Path fresh = cache.resolve("fresh/llm");
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, LlmPlannerTest::good)) {
            plan(settings(server, LlmProvider.OPENAI).withCacheDir(fresh), new ArrayList<>(), 3);
        }
        assertThat(mode(fresh)).isEqualTo("rwx------");
        try (Stream<Path> all = Files.walk(fresh)) {
            List<Path> paths = all.filter(p -> !p.equals(fresh)).toList();
            assertThat(paths).hasSize(4); // two shard folders, two answers (unless both keys share a shard)
            for (Path p : paths) {
                assertThat(mode(p)).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
    }

    private static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void llmBoxesAreClippedToTheCanvasOrRejected() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(r.isUnderstanding()
                ? quartet(4)
                : subjects(r, Map.of(), id -> {
                    int i = Integer.parseInt(id.substring(1)) - 1;
                    return new int[] {i * 200 - 20, 40, 180, 500}; // s1 starts left of the canvas, all run off the bottom
                })))) {
            List<String> notices = new ArrayList<>();
            ScenePlan plan = plan(settings(server, LlmProvider.OPENAI).withBoxes(true), notices, 3).plan();
            assertThat(plan.regions().get(0).box()).isEqualTo(new dev.troupe.scene.Box(0, 40, 160, plan.height() - 40));
            assertThat(plan.regions().get(1).box().x()).isEqualTo(180);
            assertThat(notices).anyMatch(n -> n.startsWith("clipped the LLM's box for s1"));
            assertThat(server.received().get(1).body().path("response_format").path("json_schema").path("schema")
                    .path("properties").path("subjects").path("items").path("properties").has("box")).isTrue();
        }
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, r -> FakeLlmServer.Reply.ok(r.isUnderstanding()
                ? quartet(4) : subjects(r, Map.of(), id -> new int[] {5000, 0, 100, 200})))) {
            List<String> notices = new ArrayList<>();
            PlanResult rules = PlanBuilder.standard().build("four people", PlanOptions.seeded(3).withProfile("sd15"));
            // no cache: the same task was answered (and cached) with good boxes above
            ScenePlan plan = plan(settings(server, LlmProvider.OPENAI).withBoxes(true).withCacheDir(null), notices, 3).plan();
            assertThat(plan.regions().get(0).box()).isEqualTo(rules.plan().regions().get(0).box()); // the layout's
            assertThat(notices).singleElement().asString().contains("lies mostly outside");
        }
    }

    @Test
    void theEmbeddedProfileKeepsItsTemplatesAndSaysSo() throws Exception {
        try (FakeLlmServer server = new FakeLlmServer(LlmProvider.OPENAI, LlmPlannerTest::good)) {
            List<String> notices = new ArrayList<>();
            PlanBuilder builder = LlmPlanner.create(settings(server, LlmProvider.OPENAI), Lexicon.standard(), notices::add);
            ScenePlan plan = builder.build(QUARTET, PlanOptions.seeded(3)).plan();
            assertThat(plan.regions()).allSatisfy(r -> assertThat(r.prompt()).startsWith("a ").contains("in a studio"));
            assertThat(server.received()).hasSize(1);
            assertThat(notices).singleElement().asString().contains("--profile sd15");
        }
    }

    @Test
    void anUnreachableEndpointIsAClearError() {
        LlmSettings settings = new LlmSettings(LlmProvider.OPENAI, "http://127.0.0.1:1/v1", "m", null,
                Duration.ofSeconds(5), null, false);
        assertThatThrownBy(() -> plan(settings, new ArrayList<>(), 1))
                .isInstanceOf(LlmException.class)
                .hasMessageContaining("http://127.0.0.1:1/v1/chat/completions")
                .hasMessageContaining("--planner rules");
    }
}
