package dev.troupe.scene;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanJsonTest {

    private static ScenePlan twoSubjects() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("skin", "tan");
        attributes.put("gender", "female");
        Region first = new Region("s1", "doctor", new Box(16, 0, 64, 128), "a woman, tan skin", "two, group", 11L, 1.0,
                attributes, List.of(new LoraRef("/abs/face.safetensors", 0.8)),
                new Verification("palette", true, Map.of("skin", "tan"), 2, List.of(5L, 11L)));
        Region second = new Region("s2", new Box(96, 0, 64, 128), "a man", "two, group", -12L, 0.5,
                Map.of("skin", "dark"), List.of());
        return new ScenePlan(2, "two people", 192, 128, "a studio", "blurry", 7L, "embedded", "embedded", "row",
                List.of(first, second));
    }

    @Test
    void roundTripKeepsEveryField() {
        ScenePlan plan = twoSubjects();
        String json = PlanJson.write(plan);
        assertThat(PlanJson.read(json)).isEqualTo(plan);
        assertThat(json).contains("\"negativePrompt\"", "\"regions\"", "\"box\"", "\"loras\"", "\"file\"")
                .doesNotContain("\"area\"", "\"right\"", "\"bottom\"");
        assertThat(json.indexOf("\"skin\"")).isLessThan(json.indexOf("\"gender\"")); // attribute order kept
    }

    @Test
    void writtenFieldNamesAreTheRecordComponents() throws IOException {
        ScenePlan withLoras = twoSubjects().withModel("/models/sd15", List.of(new LoraRef("/loras/style.safetensors", 0.7)));
        JsonNode tree = new ObjectMapper().readTree(PlanJson.write(withLoras));
        assertThat(PlanJson.read(PlanJson.write(withLoras))).isEqualTo(withLoras);
        // whole-image LoRAs are written only when there are some: other plans read as they always did
        assertThat(fieldNames(new ObjectMapper().readTree(PlanJson.write(twoSubjects())))).doesNotContain("loras");
        assertThat(fieldNames(tree)).containsExactly(componentNames(ScenePlan.class));
        assertThat(fieldNames(tree.get("regions").get(0))).containsExactly(componentNames(Region.class));
        // a region outside any group writes no 'group' (so version 1 plans stay as they were)
        assertThat(fieldNames(tree.get("regions").get(1))).doesNotContain("group");
        assertThat(fieldNames(tree.get("regions").get(0).get("box"))).containsExactly(componentNames(Box.class));
        assertThat(fieldNames(tree.get("regions").get(0).get("loras").get(0))).containsExactly(componentNames(LoraRef.class));
    }

    @Test
    void schemaDescribesExactlyTheRecords() {
        JsonNode schema = PlanJson.schema().json();
        assertThat(fieldNames(schema.get("properties"))).containsExactlyInAnyOrder(componentNames(ScenePlan.class));
        JsonNode defs = schema.get("$defs");
        assertThat(fieldNames(defs.get("region").get("properties"))).containsExactlyInAnyOrder(componentNames(Region.class));
        assertThat(fieldNames(defs.get("box").get("properties"))).containsExactlyInAnyOrder(componentNames(Box.class));
        assertThat(fieldNames(defs.get("lora").get("properties"))).containsExactlyInAnyOrder(componentNames(LoraRef.class));
        assertThat(schema.get("properties").get("version").get("enum")).extracting(JsonNode::asInt)
                .containsExactlyElementsOf(ScenePlan.READABLE_VERSIONS).contains(ScenePlan.CURRENT_VERSION);
    }

    @Test
    void shortHandWrittenPlanGetsDefaults() {
        ScenePlan plan = PlanJson.read("""
                {"version": 1, "width": 256, "height": 128, "background": "a studio", "seed": 3,
                 "regions": [{"id": "a", "box": {"x": 0, "y": 0, "w": 64, "h": 128}, "prompt": "a man", "seed": 4}]}
                """);
        Region region = plan.regions().get(0);
        assertThat(region.weight()).isEqualTo(1.0);
        assertThat(region.negativePrompt()).isEmpty();
        assertThat(region.attributes()).isEmpty();
        assertThat(region.loras()).isEmpty();
        assertThat(plan.model()).isEqualTo("embedded");
        assertThat(plan.layout()).isEqualTo("manual");
        assertThat(plan.request()).isEmpty();
    }

    @Test
    void versionOnePlansAreReadAndGroupsNeedVersionTwo() {
        String v1 = """
                {"version": 1, "width": 256, "height": 128, "background": "a studio", "seed": 3,
                 "regions": [{"id": "a", "box": {"x": 0, "y": 0, "w": 64, "h": 128}, "prompt": "a man", "seed": 4}]}
                """;
        assertThat(PlanJson.read(v1).regions().get(0).group()).isNull();
        assertThat(PlanJson.write(PlanJson.read(v1))).doesNotContain("group");
        String grouped = v1.replace("\"id\": \"a\",", "\"id\": \"a\", \"group\": \"doctor\",");
        assertThatThrownBy(() -> PlanJson.read(grouped)).isInstanceOf(PlanException.class)
                .hasMessageContaining("'group' needs plan version 2");
        ScenePlan v2 = PlanJson.read(grouped.replace("\"version\": 1", "\"version\": 2"));
        assertThat(v2.regions().get(0).group()).isEqualTo("doctor");
        assertThat(PlanJson.read(PlanJson.write(v2))).isEqualTo(v2);
    }

    @Test
    void verificationIsOptionalAndRoundTrips() throws IOException {
        ScenePlan plan = twoSubjects();
        assertThat(plan.regions().get(1).verification()).isNull();
        JsonNode tree = new ObjectMapper().readTree(PlanJson.write(plan));
        // a region that was not verified writes no 'verification': plans without it read as they always did
        assertThat(fieldNames(tree.get("regions").get(1))).doesNotContain("verification");
        assertThat(fieldNames(tree.get("regions").get(0).get("verification")))
                .containsExactly(componentNames(Verification.class));
        Verification read = PlanJson.read(PlanJson.write(plan)).regions().get(0).verification();
        assertThat(read.seeds()).containsExactly(5L, 11L);
        assertThat(read.read()).containsExactly(Map.entry("skin", "tan"));
        assertThat(plan.withoutVerification().regions()).allSatisfy(r -> assertThat(r.verification()).isNull());
        assertThat(plan.withoutVerification().regions().get(0).seed()).isEqualTo(11L);
    }

    @Test
    void verificationProblemsAreNamed() {
        String good = PlanJson.write(twoSubjects());
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"tries\" : 2", "\"tries\" : 3")))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("regions[0] (s1).verification: 'tries' must be at least 1 and 'seeds' must list "
                        + "one seed per try, got 3 tries and 2 seeds");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"verified\" : true", "\"verified\" : \"yes\"")))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("regions[0].verification.verified: expected a boolean, got the string \"yes\"");
        assertThatThrownBy(() -> PlanJson.read(good.replace("\"verifier\" : \"palette\",", "")))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("regions[0].verification: missing field 'verifier'");
    }

    /** Each line: a JSON patch applied to a good plan, then the words the error must contain. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown version         | "version": 3,                                   | unknown plan version 3
            version as text         | "version": "one",                               | version: expected an integer, got the string "one"
            width not multiple      | "width": 204,                                   | width: must be a multiple of 8, got 204 (use 208)
            huge width              | "width": 99999999999,                           | width: must be at most
            missing background      | "background": null,                             | background: expected a string, got null
            unknown field           | "colour": "red",                                | unknown field 'colour'
            """)
    void topLevelProblemsAreNamed(String name, String patch, String expected) {
        String json = goodJson().replaceFirst("\\{", "{" + patch.strip());
        // a patch that names an existing key makes the key appear twice: remove the original
        json = dropSecondOccurrence(json, patch.strip().substring(0, patch.strip().indexOf(':')));
        String finalJson = json;
        assertThatThrownBy(() -> PlanJson.read(finalJson)).isInstanceOf(PlanException.class).hasMessageContaining(expected);
    }

    @Test
    void aPlanHoldsAtMost128SubjectsAndSaysWhy() {
        List<Region> crowd = new java.util.ArrayList<>();
        for (int i = 0; i < PlanValidator.MAX_REGIONS + 1; i++) { // 129 boxes of 8x8 on a 1032-wide row
            crowd.add(new Region("s" + i, new Box(8 * i, 0, 8, 8), "a person", "", i, 1.0, Map.of(), List.of()));
        }
        ScenePlan tooMany = new ScenePlan(2, "", 1032, 8, "a crowd", "", 1, "embedded", "embedded", "manual", crowd);
        assertThatThrownBy(() -> PlanValidator.validate(tooMany)).isInstanceOf(PlanException.class)
                .hasMessageContaining("129 subjects, more than the 128 one plan may hold")
                .hasMessageContaining("split the scene into several plans");
        ScenePlan most = tooMany.withRegions(crowd.subList(0, 128));
        assertThat(PlanJson.read(PlanJson.write(most)).regions()).hasSize(128);
    }

    @Test
    void missingTopLevelFieldIsNamed() {
        String json = goodJson().replace("\"seed\": 7,", "");
        assertThatThrownBy(() -> PlanJson.read(json)).hasMessage("the plan: missing field 'seed'");
    }

    @Test
    void missingNestedFieldIsNamedWithItsPath() {
        String json = goodJson().replace("\"x\": 96, \"y\": 0, \"w\": 64, \"h\": 128", "\"x\": 96, \"y\": 0, \"w\": 64");
        assertThatThrownBy(() -> PlanJson.read(json)).hasMessage("regions[1].box: missing field 'h'");
    }

    @Test
    void boxOutsideTheCanvasIsNamed() {
        String json = goodJson().replace("\"x\": 96", "\"x\": 160");
        assertThatThrownBy(() -> PlanJson.read(json))
                .hasMessageContaining("regions[1] (s2).box: x=160 y=0 w=64 h=128 reaches outside the 192x128 canvas");
    }

    @Test
    void overlapBeyondTheAllowedFractionIsNamed() {
        String json = goodJson().replace("\"x\": 96", "\"x\": 40");
        assertThatThrownBy(() -> PlanJson.read(json))
                .hasMessageContaining("regions s1 and s2 overlap by 63% of the smaller box; at most 50% is allowed");
    }

    @Test
    void overlapUpToTheFractionIsAccepted() {
        String json = goodJson().replace("\"x\": 96", "\"x\": 48"); // 32 of 64 columns shared: exactly 50%
        assertThat(PlanJson.read(json).regions()).hasSize(2);
    }

    @Test
    void negativeWeightIsNamed() {
        String json = goodJson().replace("\"weight\": 0.5", "\"weight\": -0.5");
        assertThatThrownBy(() -> PlanJson.read(json)).hasMessage("regions[1].weight: must be at least 0, got -0.5");
    }

    @Test
    void nonFiniteWeightIsNamed() {
        String json = goodJson().replace("\"weight\": 0.5", "\"weight\": NaN");
        assertThatThrownBy(() -> PlanJson.read(json)).isInstanceOf(PlanException.class)
                .hasMessageContaining("not valid JSON").hasMessageContaining("NaN");
        ScenePlan plan = twoSubjects();
        Region bad = new Region("s2", new Box(96, 0, 64, 128), "p", "", 1, Double.POSITIVE_INFINITY, Map.of(), List.of());
        ScenePlan withInfinity = new ScenePlan(ScenePlan.CURRENT_VERSION, "", 192, 128, "bg", "", 1, "embedded", "embedded", "row",
                List.of(plan.regions().get(0), bad));
        assertThatThrownBy(() -> PlanJson.write(withInfinity))
                .hasMessage("regions[1] (s2).weight: must be a finite number >= 0, got Infinity");
    }

    @Test
    void duplicateIdsAreNamed() {
        String json = goodJson().replace("\"id\": \"s2\"", "\"id\": \"s1\"");
        assertThatThrownBy(() -> PlanJson.read(json)).hasMessageContaining("duplicate id 's1'");
    }

    @Test
    void emptyAndBrokenDocumentsAreNamed() {
        assertThatThrownBy(() -> PlanJson.read("")).hasMessageContaining("the plan is empty");
        assertThatThrownBy(() -> PlanJson.read("[1, 2]")).hasMessage("the plan: expected an object, got array");
        assertThatThrownBy(() -> PlanJson.read("{\"version\": 1,")).hasMessageContaining("not valid JSON (line 1");
        assertThatThrownBy(() -> PlanJson.read(goodJson().replace("\"seed\": 7,", "\"seed\": 7, \"seed\": 8,")))
                .hasMessageContaining("Duplicate field 'seed'");
    }

    @Test
    void writeRefusesAnInvalidPlan() {
        ScenePlan plan = twoSubjects();
        ScenePlan outside = new ScenePlan(ScenePlan.CURRENT_VERSION, "", 64, 128, "bg", "", 1, "embedded", "embedded", "row", plan.regions());
        assertThatThrownBy(() -> PlanJson.write(outside)).isInstanceOf(PlanException.class).hasMessageContaining("outside");
    }

    @Test
    void fileReadChecksLoraFilesRelativeToThePlan(@TempDir Path dir) throws IOException {
        String json = goodJson().replace("\"loras\": []", "\"loras\": [{\"file\": \"face.safetensors\", \"weight\": 0.7}]");
        Path planFile = dir.resolve("plan.json");
        Files.writeString(planFile, json);
        assertThatThrownBy(() -> PlanJson.read(planFile))
                .hasMessageContaining("names LoRA file face.safetensors, which does not exist");
        Files.write(dir.resolve("face.safetensors"), new byte[8]);
        assertThat(PlanJson.read(planFile).regions().get(1).loras()).containsExactly(new LoraRef("face.safetensors", 0.7));
        Path whole = dir.resolve("whole.json");
        Files.writeString(whole, goodJson().replace("\"regions\"", "\"loras\": [{\"file\": \"style.safetensors\", "
                + "\"weight\": 0.5}], \"regions\""));
        assertThatThrownBy(() -> PlanJson.read(whole)).hasMessageContaining("the plan names LoRA file style.safetensors");
        Files.write(dir.resolve("style.safetensors"), new byte[8]);
        assertThat(PlanJson.read(whole).loras()).containsExactly(new LoraRef("style.safetensors", 0.5));
        assertThatThrownBy(() -> PlanJson.read(dir.resolve("nope.json"))).hasMessageContaining("does not exist");
    }

    @Test
    void fileWriteIsAtomicAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("out/plan.json");
        ScenePlan plan = PlanJson.read(goodJson());
        PlanJson.write(twoSubjects(), target);
        PlanJson.write(plan, target); // replaces the first file
        assertThat(PlanJson.read(target)).isEqualTo(plan);
        try (var files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("plan.json");
        }
    }

    private static String goodJson() {
        return """
                {"version": 1, "request": "two people", "width": 192, "height": 128, "background": "a studio",
                 "negativePrompt": "blurry", "seed": 7, "model": "embedded", "profile": "embedded", "layout": "row",
                 "regions": [
                   {"id": "s1", "box": {"x": 16, "y": 0, "w": 64, "h": 128}, "prompt": "a woman", "negativePrompt": "two",
                    "seed": 11, "weight": 1.0, "attributes": {"skin": "tan"}, "loras": []},
                   {"id": "s2", "box": {"x": 96, "y": 0, "w": 64, "h": 128}, "prompt": "a man", "negativePrompt": "two",
                    "seed": 12, "weight": 0.5, "attributes": {}, "loras": []}
                 ]}
                """;
    }

    private static String dropSecondOccurrence(String json, String key) {
        int first = json.indexOf(key);
        int second = json.indexOf(key, first + key.length());
        if (second < 0) {
            return json;
        }
        int end = json.indexOf(',', second);
        return json.substring(0, second) + json.substring(end + 1);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String[] componentNames(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(c -> c.getName()).toArray(String[]::new);
    }
}
