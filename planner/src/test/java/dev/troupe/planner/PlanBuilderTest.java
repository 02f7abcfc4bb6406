package dev.troupe.planner;

import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanBuilderTest {

    private static final String TEAM = "a multiracial female basketball team of 5 on an indoor court";
    private final PlanBuilder builder = PlanBuilder.standard();

    @Test
    void theDoneWhenRequestGivesFiveBalancedSubjects() {
        ScenePlan plan = builder.build(TEAM, PlanOptions.seeded(7)).plan();
        assertThat(plan.regions()).hasSize(5);
        Map<String, Integer> skins = new HashMap<>();
        for (Region r : plan.regions()) {
            assertThat(r.attributes()).containsKey("skin").containsEntry("gender", "female");
            skins.merge(r.attributes().get("skin"), 1, Integer::sum);
            assertThat(r.prompt()).startsWith("a woman, " + r.attributes().get("skin") + " skin")
                    .endsWith("on an indoor court");
            // the embedded model reads "two ... people" as a figure's words: it gets no negative prompt
            assertThat(r.negativePrompt()).isEmpty();
            assertThat(r.box().w()).isEqualTo(64);
            assertThat(r.box().h()).isEqualTo(128);
        }
        // 5 over 6 skin levels: each level 0 or 1 (floor/ceil of 5/6)
        assertThat(skins.values()).allSatisfy(c -> assertThat(c).isBetween(0, 1));
        assertThat(plan.background()).isEqualTo("an indoor court");
        assertThat(plan.width() % 32).isZero();
        assertThat(plan.height()).isEqualTo(128);
        assertThat(PlanJson.read(PlanJson.write(plan))).isEqualTo(plan);
        ScenePlan sd = builder.build(TEAM, PlanOptions.seeded(7).withProfile("sd15")).plan();
        assertThat(sd.regions()).allSatisfy(r -> assertThat(r.negativePrompt()).contains("two people", "crowd"));
        assertThat(PlanJson.write(builder.build(TEAM, PlanOptions.seeded(7)).plan())).isEqualTo(PlanJson.write(plan));
    }

    @Test
    void seedsChangeTheAssignmentButNotTheCounts() {
        var distinct = new HashSet<List<String>>();
        for (long seed = 0; seed < 20; seed++) {
            ScenePlan plan = builder.build(TEAM, PlanOptions.seeded(seed)).plan();
            distinct.add(plan.regions().stream().map(r -> r.attributes().get("skin")).toList());
            assertThat(plan.regions().stream().map(Region::seed).distinct()).hasSize(5);
        }
        assertThat(distinct.size()).isGreaterThan(10);
    }

    @Test
    void sd15KeepsTheRequestsWordsAndUsesA512Canvas() {
        ScenePlan plan = builder.build("five nurses in a hospital corridor, half of them men",
                PlanOptions.seeded(2).withProfile("sd15")).plan();
        assertThat(plan.height()).isEqualTo(512);
        assertThat(plan.background()).startsWith("a hospital corridor");
        assertThat(plan.regions()).allSatisfy(r -> assertThat(r.prompt())
                .matches("a (fe)?male nurse, in a hospital corridor, .*"));
        assertThat(plan.profile()).isEqualTo("sd15");
    }

    @Test
    void embeddedMapsScenesToWhatTheModelKnows() {
        assertThat(builder.build("5 players in a gym", PlanOptions.seeded(1)).plan().background()).isEqualTo("an indoor court");
        assertThat(builder.build("5 players in a park", PlanOptions.seeded(1)).plan().background()).isEqualTo("a grass field");
        assertThat(builder.build("5 players in a hospital", PlanOptions.seeded(1)).plan().background()).isEqualTo("a studio");
        assertThat(builder.build("5 firefighters", PlanOptions.seeded(1)).plan().regions().get(0).prompt())
                .startsWith("a person"); // a noun the embedded model does not know
    }

    @Test
    void embeddedWritesRedHairInTheWordItsModelLearnedForHair() {
        String request = "3 redheads in a studio";
        assertThat(builder.build(request, PlanOptions.seeded(1)).plan().regions()).allSatisfy(r -> {
            assertThat(r.attributes()).containsEntry("hair", "red");
            assertThat(r.prompt()).contains("ginger hair").doesNotContain("red");
        });
        assertThat(builder.build(request, PlanOptions.seeded(1).withProfile("sd15")).plan().regions())
                .allSatisfy(r -> assertThat(r.prompt()).contains("red hair"));
    }

    @Test
    void optionsOverrideTheRequest() {
        Map.Entry<String, Distribution> mix = PlanOptions.parseMix("skin=light:1,medium:1,dark:1", builder.lexicon());
        PlanResult result = builder.build(TEAM, PlanOptions.seeded(3).withCount(6).withMix(mix.getKey(), mix.getValue())
                .withLayout("arc").withSize(new int[] {1024, 256}).withOverride(0, "glasses", "yes"));
        ScenePlan plan = result.plan();
        assertThat(plan.regions()).hasSize(6);
        assertThat(plan.regions()).extracting(r -> r.attributes().get("skin"))
                .containsOnly("light", "medium", "dark").filteredOn("dark"::equals).hasSize(2);
        assertThat(plan.width()).isEqualTo(1024);
        assertThat(plan.height()).isEqualTo(256);
        assertThat(plan.layout()).isEqualTo("arc");
        assertThat(plan.regions().get(0).attributes()).containsEntry("glasses", "yes");
        assertThat(plan.regions().get(0).prompt()).contains("glasses");
        assertThat(PlanExplainer.explain(result)).contains("skin", "dark", "2.00", "glasses");
    }

    @Test
    void badOptionsAreNamed() {
        assertThatThrownBy(() -> PlanOptions.parseMix("eyes=blue:1", builder.lexicon()))
                .hasMessageContaining("unknown attribute dimension 'eyes'");
        assertThatThrownBy(() -> PlanOptions.parseMix("skin=green:1", builder.lexicon()))
                .hasMessageContaining("'green' is not a value of skin");
        assertThatThrownBy(() -> PlanOptions.parseMix("skin=light:-1", builder.lexicon()))
                .hasMessageContaining("must be a finite number >= 0");
        assertThatThrownBy(() -> PlanOptions.parseSize("500x300")).hasMessageContaining("multiples of 32 between 32 and 16384, e.g. 512x320");
        assertThatThrownBy(() -> PlanOptions.parseSize("big")).hasMessageContaining("WIDTHxHEIGHT");
        assertThatThrownBy(() -> builder.build(TEAM, PlanOptions.seeded(1).withProfile("sdxl")))
                .hasMessage("unknown profile 'sdxl'; profiles: embedded, sd15");
        // no number: a few (said once), not a dead end
        PlanResult open = builder.build("basketball players", PlanOptions.seeded(1));
        assertThat(open.plan().regions()).hasSize(4);
        assertThat(open.notices()).anySatisfy(n -> assertThat(n).contains("gives no number").contains("--count"));
        assertThat(builder.build("basketball players", PlanOptions.seeded(1).withCount(3)).plan().regions()).hasSize(3);
        assertThatThrownBy(() -> builder.build(TEAM, PlanOptions.seeded(1).withCount(51))).hasMessageContaining("1 to 50");
        assertThatThrownBy(() -> builder.build(TEAM, PlanOptions.seeded(1).withOverride(7, "skin", "tan")))
                .hasMessageContaining("subject 8, but the group has 5");
        assertThatThrownBy(() -> builder.build("a team of 5, 60% red jerseys and 60% blue", PlanOptions.seeded(1)))
                .hasMessageContaining("120% of the group in top");
    }

    @Test
    void anOverrideReadsNColonDimensionEqualsValueAndNamesWhereItCameFrom() {
        // subject 2 is index 1; surrounding blanks go
        assertThat(PlanOptions.seeded(1).withOverride(" 2 : glasses = yes", "--set", "--set 2:glasses=yes").overrides())
                .isEqualTo(Map.of(1, Map.of("glasses", "yes")));
        assertThatThrownBy(() -> PlanOptions.seeded(1).withOverride("2glasses=yes", "--set", "--set 2:glasses=yes"))
                .isInstanceOf(RequestException.class)
                .hasMessage("--set '2glasses=yes' needs the form N:DIM=VALUE, e.g. --set 2:glasses=yes");
        assertThatThrownBy(() -> PlanOptions.seeded(1).withOverride("2:glasses=", "set", "\"2:glasses=yes\""))
                .hasMessage("set '2:glasses=' needs the form N:DIM=VALUE, e.g. \"2:glasses=yes\"");
        assertThatThrownBy(() -> PlanOptions.seeded(1).withOverride("two:glasses=yes", "set", "\"2:glasses=yes\""))
                .hasMessage("set 'two:glasses=yes': 'two' is not a subject number");
    }
}
