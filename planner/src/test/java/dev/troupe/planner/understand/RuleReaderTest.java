package dev.troupe.planner.understand;

import dev.troupe.planner.Constraints;
import dev.troupe.planner.Dimension;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.Lexicon;
import dev.troupe.planner.MixTerm;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.PlanResult;
import dev.troupe.planner.RequestException;
import dev.troupe.planner.Subgroup;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** How the rule reader reads single phrasings, and how it refuses the few requests it must. */
class RuleReaderTest {

    private static final RuleReader READER = new RuleReader(Lexicon.standard());
    private static final PlanBuilder BUILDER = PlanBuilder.standard();

    /**
     * request | parts ("count noun" joined by ';', count '-' when open) | facts, space separated, about part 1 unless
     * prefixed "N:" (part N) or "all:" (the whole group): dim=value fixed, dim~ named mix, dim%value=amount a term;
     * scene:words-with-dashes, id:scene, style:id, layout:id, detail:words-with-dashes
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            a multiracial female basketball team of 5 on an indoor court | 5 player             | gender=female skin~ top_kind=jersey id:court scene:on-an-indoor-court
            five office workers in an office, half of them women         | 5 worker             | gender%female=0.5 id:office top_kind=shirt
            a team of 8 soccer players, 60% red jerseys and 40% blue      | 8 player             | top%red=0.6 top%blue=0.4 top_kind=jersey
            a dozen elderly people, two of them with glasses              | 12 person            | age=elderly glasses%yes=2
            6 students, 1 in 3 left-handed                                | 6 student            | handedness%left=0.3333
            a pair of dancers in a studio                                 | 2 dancer             | id:studio
            3 women and 2 men on a grass field                            | 3 woman;2 man        | gender=female 2:gender=male id:field
            a diverse group of 7 nurses of all ages                       | 7 nurse              | skin~ age~
            4 blonde women with long hair in red shirts                   | 4 woman              | gender=female hair=blonde hair_length=long top=red top_kind=shirt
            twenty-one people                                             | 21 person            | -
            a basketball team                                             | 5 player             | top_kind=jersey bottom_kind=shorts
            a couple on the beach                                         | 2 person             | id:sky
            5 dark-skinned men with short gray hair                       | 5 man                | gender=male skin=dark hair=gray hair_length=short
            9 doctors, 50% women and the rest men                         | 9 doctor             | gender%female=0.5
            2 redheads in a studio                                        | 2 redhead            | hair=red id:studio
            a squad of 11 soccer players, 3 out of 11 with glasses        | 11 player            | glasses%yes=0.2727
            five players in red and blue jerseys on an indoor court       | 5 player             | top%red=0.5 top%blue=0.5 top_kind=jersey id:court
            6 people of mixed skin tones in a studio                      | 6 person             | skin~ id:studio
            two doctors and three nurses in a hospital                    | 2 doctor;3 nurse     | scene:in-a-hospital
            a family of four having a picnic in a park                    | 4 person             | id:field detail:having-a-picnic
            ten kids with balloons, some of them wearing glasses          | 10 kid               | age=young glasses%yes=0.3333 detail:with-balloons
            7 soccer players, 3 in red jerseys and 4 in blue jerseys      | 3 player;4 player    | top=red 2:top=blue top_kind=jersey 2:top_kind=jersey
            7 players, 3 in red                                           | 3 player;4 player    | top=red
            a teacher with six students                                   | 1 teacher;6 student  | -
            3 women in red jerseys and 2 men in blue jerseys              | 3 woman;2 man        | top=red 2:top=blue gender=female 2:gender=male
            a bride, a groom and 4 guests                                 | 1 bride;1 groom;4 guest | gender=female 2:gender=male
            two doctors and three nurses, all of them diverse             | 2 doctor;3 nurse     | all:skin~
            two doctors and three diverse nurses                          | 2 doctor;3 nurse     | 2:skin~
            five players in red, blue and green jerseys                   | 5 player             | top%red=0.3333 top%blue=0.3333 top%green=0.3333
            ten people, 50% red and 50% yellow jerseys                    | 10 person            | top%red=0.5 top%yellow=0.5 top_kind=jersey
            12 dancers of all ages and ethnicities                        | 12 dancer            | age~ skin~
            8 workers, most of them wearing glasses                       | 8 worker             | glasses%yes=0.75
            8 workers, a few of them with glasses                         | 8 worker             | glasses%yes=0.25
            12 kids, two thirds of them girls                             | 12 kid               | gender%female=0.6667
            a group of 6 doctors and nurses                               | - doctor;- nurse     | -
            10 volunteers with a mix of skin tones                        | 10 volunteer         | skin~
            five players on indoor court                                  | 5 player             | id:court scene:on-indoor-court
            basketball team of 6, indoor court                            | 6 player             | id:court scene:indoor-court
            runners crossing a finish line, cheering                      | - runner             | detail:crossing-a-finish-line detail:cheering
            an all-female rock band in two rows                           | 4 musician           | gender=female layout:rows
            two doctors and three nurses mingling                         | 2 doctor;3 nurse     | -
            a pencil sketch of an old man and a child                     | 1 man;1 child        | age=elderly style:sketch
            5 people in the style of klimt                                | 5 person             | -
            2 doctors and 3 nurses, 5 in all                              | 2 doctor;3 nurse     | -
            a chef, a waiter and two customers, the chef in white         | 1 chef;1 waiter;2 customer | top=white 2:gender=male
            a line of schoolchildren holding hands                        | - schoolchild        | age=young layout:row detail:holding-hands
            """)
    void reads(String request, String parts, String facts) {
        GroupSpec spec = READER.parse(request);
        String[] expected = parts.split(";");
        assertThat(spec.groups()).as("parts of '%s': %s", request, spec.understood()).hasSize(expected.length);
        for (int k = 0; k < expected.length; k++) {
            String[] countNoun = expected[k].strip().split(" ");
            Subgroup g = spec.groups().get(k);
            assertThat(g.count() == null ? "-" : g.count().toString()).as("count of part " + (k + 1)).isEqualTo(countNoun[0]);
            assertThat(g.head()).as("noun of part " + (k + 1)).isEqualTo(countNoun[1]);
        }
        if (facts == null) {
            return;
        }
        for (String fact : facts.split("\\s+")) {
            if (fact.startsWith("scene:")) {
                assertThat(spec.sceneWords()).as(fact).isEqualTo(fact.substring(6).replace('-', ' '));
            } else if (fact.startsWith("id:")) {
                assertThat(spec.sceneId()).as(fact).isEqualTo(fact.substring(3));
            } else if (fact.startsWith("style:")) {
                assertThat(spec.styleId()).as(fact).isEqualTo(fact.substring(6));
            } else if (fact.startsWith("layout:")) {
                assertThat(spec.layoutHint()).as(fact).isEqualTo(fact.substring(7));
            } else if (fact.startsWith("detail:")) {
                List<String> details = new java.util.ArrayList<>(spec.details());
                spec.groups().forEach(g -> details.addAll(g.details()));
                assertThat(details).as(fact).contains(fact.substring(7).replace('-', ' '));
            } else {
                Constraints c;
                String f = fact;
                if (f.startsWith("all:")) {
                    c = spec.whole();
                    f = f.substring(4);
                } else if (f.matches("\\d:.*")) {
                    c = spec.groups().get(f.charAt(0) - '1').constraints();
                    f = f.substring(2);
                } else {
                    c = spec.groups().get(0).constraints();
                }
                check(c, f, spec);
            }
        }
    }

    private static void check(Constraints c, String fact, GroupSpec spec) {
        if (fact.endsWith("~")) {
            assertThat(c.namedMixes()).as(fact + " in " + spec.understood()).containsKey(fact.substring(0, fact.length() - 1));
        } else if (fact.contains("%")) {
            String dim = fact.substring(0, fact.indexOf('%'));
            String value = fact.substring(fact.indexOf('%') + 1, fact.indexOf('='));
            double amount = Double.parseDouble(fact.substring(fact.indexOf('=') + 1));
            assertThat(c.explicitMixes().get(dim)).as(fact + " in " + spec.understood()).isNotNull()
                    .anySatisfy(t -> {
                        assertThat(t.value()).isEqualTo(value);
                        assertThat(t.amount()).isCloseTo(amount, offset(1e-3));
                    });
        } else {
            String[] kv = fact.split("=");
            assertThat(c.fixed()).as(fact + " in " + spec.understood()).containsEntry(kv[0], kv[1]);
        }
    }

    /** The six requests of issue #15, as a new user would type them. */
    @Test
    void theRequestsThatUsedToFailPlan() {
        ScenePlan players = BUILDER.build("five players in red and blue jerseys on an indoor court",
                PlanOptions.seeded(3)).plan();
        assertThat(players.regions()).hasSize(5);
        assertThat(players.regions()).extracting(r -> r.attributes().get("top")).containsOnly("red", "blue")
                .filteredOn("red"::equals).hasSizeBetween(2, 3);
        assertThat(players.background()).isEqualTo("an indoor court");

        ScenePlan skins = BUILDER.build("6 people of mixed skin tones in a studio", PlanOptions.seeded(3)).plan();
        assertThat(skins.regions().stream().map(r -> r.attributes().get("skin")).distinct()).hasSize(6);

        ScenePlan hospital = BUILDER.build("two doctors and three nurses in a hospital",
                PlanOptions.seeded(3).withProfile("sd15")).plan();
        assertThat(hospital.regions()).extracting(Region::group).containsExactlyInAnyOrder("doctor", "doctor", "nurse",
                "nurse", "nurse");
        assertThat(hospital.regions()).allSatisfy(r -> assertThat(r.prompt()).contains("a " + r.group(), "in a hospital"));

        PlanResult picnic = BUILDER.build("a family of four having a picnic in a park", PlanOptions.seeded(3).withProfile("sd15"));
        assertThat(picnic.plan().regions()).hasSize(4).allSatisfy(r -> assertThat(r.prompt()).contains("having a picnic"));
        PlanResult embedded = BUILDER.build("a family of four having a picnic in a park", PlanOptions.seeded(3));
        assertThat(embedded.plan().regions()).allSatisfy(r -> assertThat(r.prompt()).doesNotContain("picnic"));
        assertThat(embedded.notices()).singleElement().asString().contains("cannot draw 'having a picnic'");

        PlanResult balloons = BUILDER.build("ten kids with balloons, some of them wearing glasses",
                PlanOptions.seeded(3).withProfile("sd15"));
        assertThat(balloons.plan().regions()).hasSize(10).allSatisfy(r -> assertThat(r.prompt()).contains("with balloons"));
        assertThat(balloons.plan().regions()).filteredOn(r -> "yes".equals(r.attributes().get("glasses"))).hasSize(3);

        assertThatThrownBy(() -> BUILDER.build("a team of zero players", PlanOptions.seeded(3)))
                .isInstanceOf(RequestException.class).hasMessageContaining("at least 1 subject, got 'zero'");
    }

    /** request | words the error must contain */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a team of -3                                   | a group needs at least 1 subject, got '-3'
            150% women                                     | 150% is more than 100%
            a team of 10000                                | more than the 50 Troupe can place in one image
            a team of 0                                    | at least 1 subject
            a team of zero players                         | at least 1 subject, got 'zero'
            2.5 people                                     | '2.5' is not a whole number
            a hundred people                               | more than the 50
            40 men and 20 women                            | the parts add up to 60
            purple elephants                               | did not find who is in the group
            the quick brown fox                            | did not find who is in the group
            5 people, 2 in 0 with glasses                  | is not a share of the group
            7 players, 3 in red and 5 in blue              | add up to 8, more than the 7 in the group
            2 doctors and 3 nurses, 60 in all              | more than the 50
            """)
    void refusesOnlyWhatCannotBePlanned(String request, String expected) {
        assertThatThrownBy(() -> READER.parse(request))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining("a request that works")
                .hasMessageNotContaining("\n");
    }

    @Test
    void impossibleSharesAreRefusedWhenPlanned() {
        assertThatThrownBy(() -> BUILDER.build("six nurses, eight of them with glasses", PlanOptions.seeded(1)))
                .hasMessageContaining("asks for 8 subjects, but the group has 6");
        assertThatThrownBy(() -> BUILDER.build("ten people, 80% women and 40% men", PlanOptions.seeded(1)))
                .hasMessageContaining("120% of the group in gender");
    }

    /** What it cannot use is not fatal: it becomes a detail, or a notice that says what was kept. */
    @Test
    void wordsItCannotPlaceAreDetailsOrNotices() {
        assertThat(READER.parse("5 people blorp").groups().get(0).details()).containsExactly("blorp");
        assertThat(READER.parse("five nurses and seven doctors").count()).isEqualTo(12);
        GroupSpec conflict = READER.parse("a multiracial team of 5 with dark skin");
        assertThat(conflict.groups().get(0).constraints().fixed()).containsEntry("skin", "dark");
        assertThat(conflict.notices()).singleElement().asString().contains("asks for a mix; kept 'dark skin'");
        GroupSpec blue = READER.parse("a team of 5, 40% blue");
        assertThat(blue.groups().get(0).constraints().explicitMixes()).containsKey("top");
        GroupSpec share = READER.parse("a team of 5, 60% of them");
        assertThat(share.notices()).singleElement().asString().contains("could not tell what '60%' is a share of");
        GroupSpec female = READER.parse("5 female men");
        assertThat(female.groups().get(0).constraints().fixed()).containsEntry("gender", "female");
        assertThat(female.notices()).singleElement().asString().contains("disagree");
    }

    @Test
    void keepsTheRequestsOwnSceneAndStyleWords() {
        GroupSpec spec = READER.parse("five nurses in a hospital corridor in the style of klimt");
        assertThat(spec.sceneWords()).isEqualTo("in a hospital corridor");
        assertThat(spec.sceneId()).isNull();
        assertThat(spec.styleWords()).isEqualTo("in the style of klimt");
        assertThat(READER.parse("half a dozen scientists in lab coats in a laboratory").sceneWords())
                .isEqualTo("in a laboratory");
    }

    @Test
    void refusesEmptyAndOverlongRequests() {
        assertThatThrownBy(() -> READER.parse("")).hasMessageStartingWith("the request is empty");
        assertThatThrownBy(() -> READER.parse("   ")).hasMessageStartingWith("the request is empty");
        String tenKb = "a team of five women ".repeat(500);
        assertThatThrownBy(() -> READER.parse(tenKb)).isInstanceOf(RequestException.class)
                .hasMessageContaining("is " + tenKb.length() + " characters long; keep it under 500");
    }

    @Test
    void everyDimensionValueCanBeAskedForInAMix() {
        Lexicon lexicon = Lexicon.standard();
        for (Dimension d : lexicon.dimensions().values()) {
            for (String value : d.values().keySet()) {
                String word = d.values().get(value).isEmpty() ? value : d.values().get(value).get(0);
                String noun = Map.of("top", " jerseys", "bottom", " shorts", "hair", " hair", "skin", " skin",
                        "hair_length", " hair").getOrDefault(d.name(), "");
                GroupSpec spec = READER.parse("10 people, 30% " + word + noun);
                assertThat(spec.groups().get(0).constraints().explicitMixes().get(d.name())).as(d.name() + "=" + value)
                        .extracting(MixTerm::value).contains(value);
            }
        }
    }

    @Test
    void partsStandTogetherUnlessTheRequestMixesThem() {
        for (String request : List.of("two doctors and three nurses", "two doctors and three nurses mingling")) {
            ScenePlan plan = BUILDER.build(request, PlanOptions.seeded(5)).plan();
            List<String> leftToRight = plan.regions().stream().sorted(java.util.Comparator.comparingInt(r -> r.box().x()))
                    .map(Region::group).toList();
            assertThat(leftToRight).containsExactly(request.endsWith("mingling")
                    ? new String[] {"doctor", "nurse", "doctor", "nurse", "nurse"}
                    : new String[] {"doctor", "doctor", "nurse", "nurse", "nurse"});
        }
    }
}
