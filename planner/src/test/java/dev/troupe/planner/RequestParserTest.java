package dev.troupe.planner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Phrasings the rule planner must understand, and ones it must refuse with a clear message. */
class RequestParserTest {

    private static final RequestParser PARSER = new RequestParser(Lexicon.standard());

    /**
     * request | count | subject | expected facts (space separated): dim=value for fixed values,
     * dim~ for a named mix, dim%value=share for an explicit term, scene:id, style:id
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            a multiracial female basketball team of 5 on an indoor court | 5  | basketball player | gender=female skin~ top_kind=jersey scene:court
            five office workers in an office, half of them women         | 5  | office worker     | gender%female=0.5 scene:office top_kind=shirt
            a team of 8 soccer players, 60% red jerseys and 40% blue      | 8  | soccer player     | top%red=0.6 top%blue=0.4 top_kind=jersey
            a dozen elderly people, two of them with glasses              | 12 | person            | age=elderly glasses%yes=2
            6 students, 1 in 3 left-handed                                | 6  | student           | handedness%left=0.3333
            a pair of dancers in a studio                                 | 2  | dancer            | scene:studio
            a trio of doctors                                             | 3  | doctor            | -
            a quartet of musicians in watercolor                          | 4  | musician          | style:watercolor
            3 women and 2 men on a grass field                            | 5  | -                 | gender%female=3 gender%male=2 scene:field
            a diverse group of 7 nurses of all ages                       | 7  | nurse             | skin~ age~
            ten runners under the sky                                     | 10 | runner            | scene:sky top_kind=jersey
            4 blonde women with long hair in red shirts                   | 4  | -                 | gender=female hair=blonde hair_length=long top=red top_kind=shirt
            twenty-one people                                             | 21 | person            | -
            twenty one people                                             | 21 | person            | -
            a basketball team                                             | 5  | basketball player | top_kind=jersey bottom_kind=shorts
            half a dozen chefs in a kitchen                               | 6  | chef              | -
            a couple on the beach                                         | 2  | person            | scene:sky
            5 dark-skinned men with short gray hair                       | 5  | -                 | gender=male skin=dark hair=gray hair_length=short
            a group of 4 friends in a park                                | 4  | friend            | scene:field
            12 nurses, a third of them men                                | 12 | nurse             | gender%male=0.3333
            seven mixed-gender students in a gym                          | 7  | student           | gender~ scene:court
            eight teachers of mixed ages in an office                     | 8  | teacher           | age~ scene:office
            a crowd of 30 fans in a stadium                               | 30 | fan               | scene:field
            3 young girls in yellow jerseys                               | 3  | -                 | gender=female age=young top=yellow top_kind=jersey
            5 athletes on a soccer pitch, 2 of them left-handed           | 5  | athlete           | handedness%left=2 scene:field
            A TEAM OF 5 WOMEN                                             | 5  | player            | gender=female
            9 doctors, 50% women and the rest men                         | 9  | doctor            | gender%female=0.5
            6 multiethnic students in purple shirts and black trousers    | 6  | student           | skin~ top=purple top_kind=shirt bottom=black bottom_kind=trousers
            2 redheads in a studio                                        | 2  | -                 | hair=red scene:studio
            four chefs in a hospital corridor                             | 4  | chef              | -
            a squad of 11 soccer players, 3 out of 11 with glasses        | 11 | soccer player     | glasses%yes=0.2727
            5 people in the style of klimt                                | 5  | person            | -
            """)
    void understands(String request, int count, String subject, String facts) {
        GroupSpec spec = PARSER.parse(request);
        assertThat(spec.count()).as("count").isEqualTo(count);
        assertThat(spec.subjectWords()).as("subject").isEqualTo(subject);
        if (facts == null) {
            return;
        }
        for (String fact : facts.split("\\s+")) {
            if (fact.startsWith("scene:")) {
                assertThat(spec.sceneId()).as(fact).isEqualTo(fact.substring(6));
            } else if (fact.startsWith("style:")) {
                assertThat(spec.styleId()).as(fact).isEqualTo(fact.substring(6));
            } else if (fact.endsWith("~")) {
                assertThat(spec.namedMixes()).as(fact).containsKey(fact.substring(0, fact.length() - 1));
            } else if (fact.contains("%")) {
                String dim = fact.substring(0, fact.indexOf('%'));
                String value = fact.substring(fact.indexOf('%') + 1, fact.indexOf('='));
                double amount = Double.parseDouble(fact.substring(fact.indexOf('=') + 1));
                assertThat(spec.explicitMixes().get(dim)).as(fact).isNotNull()
                        .anySatisfy(t -> {
                            assertThat(t.value()).isEqualTo(value);
                            assertThat(t.amount()).isCloseTo(amount, org.assertj.core.data.Offset.offset(1e-3));
                        });
            } else {
                String[] kv = fact.split("=");
                assertThat(spec.fixed()).as(fact).containsEntry(kv[0], kv[1]);
            }
        }
    }

    @Test
    void keepsTheRequestsOwnSceneAndStyleWords() {
        GroupSpec spec = PARSER.parse("five nurses in a hospital corridor in the style of klimt");
        assertThat(spec.sceneWords()).isEqualTo("in a hospital corridor");
        assertThat(spec.sceneId()).isNull();
        assertThat(spec.styleWords()).isEqualTo("in the style of klimt");
    }

    @Test
    void aRequestWithoutACountLeavesItOpen() {
        GroupSpec spec = PARSER.parse("basketball players on a court");
        assertThat(spec.count()).isNull();
        assertThat(spec.subjectWords()).isEqualTo("basketball player");
    }

    /** request | words the error must contain */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a team of -3                                   | a group needs at least 1 subject, got -3
            150% women                                     | 150% is more than 100%
            a team of 10000                                | more than the 50 Troupe can place in one image
            a team of 0                                    | at least 1 subject
            2.5 people                                     | '2.5' is not a whole number
            a hundred people                               | more than the 50
            purple elephants                               | did not understand 'purple elephants'
            5 people blorp                                 | did not understand 'blorp' after 'people'
            five nurses and seven doctors                  | two counts
            5 female men                                   | both set gender for everyone
            a multiracial team of 5 with dark skin         | asks for a mix; keep one
            a team of 5, 40% blue                          | 'blue' could be top or bottom
            a team of 5, 60% of them                       | could not tell what '60%' refers to
            5 people, 2 in 0 with glasses                  | is not a share of the group
            the quick brown fox                            | did not understand
            """)
    void refusesWithAClearMessage(String request, String expected) {
        assertThatThrownBy(() -> PARSER.parse(request))
                .isInstanceOf(RequestException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining("a request that works")
                .hasMessageNotContaining("\n");
    }

    @Test
    void refusesEmptyAndOverlongRequests() {
        assertThatThrownBy(() -> PARSER.parse("")).hasMessageStartingWith("the request is empty");
        assertThatThrownBy(() -> PARSER.parse("   ")).hasMessageStartingWith("the request is empty");
        String tenKb = "a team of five women ".repeat(500);
        assertThatThrownBy(() -> PARSER.parse(tenKb)).isInstanceOf(RequestException.class)
                .hasMessageContaining("is " + tenKb.length() + " characters long; keep it under 500");
    }

    @Test
    void errorsShowWhatWasUnderstood() {
        assertThatThrownBy(() -> PARSER.parse("a multiracial team of 5 women zork"))
                .hasMessageContaining("understood: count 5, gender=female, skin mix ('multiracial')");
    }

    @Test
    void everyDimensionValueCanBeAskedForInAMix() {
        Lexicon lexicon = Lexicon.standard();
        for (Dimension d : lexicon.dimensions().values()) {
            for (String value : d.values().keySet()) {
                String word = d.values().get(value).isEmpty() ? value : d.values().get(value).get(0);
                String noun = Map.of("top", " jerseys", "bottom", " shorts", "hair", " hair", "skin", " skin",
                        "hair_length", " hair").getOrDefault(d.name(), "");
                GroupSpec spec = PARSER.parse("10 people, 30% " + word + noun);
                assertThat(spec.explicitMixes().get(d.name())).as(d.name() + "=" + value)
                        .extracting(MixTerm::value).contains(value);
            }
        }
    }

    @Test
    void aTestListHasAtLeastFortyDistinctPhrasings() throws Exception {
        // the two tables above plus the single tests: keep the promise in the issue honest
        long good = Arrays.stream(RequestParserTest.class.getDeclaredMethod("understands", String.class, int.class,
                String.class, String.class).getAnnotation(CsvSource.class).textBlock().split("\n"))
                .filter(l -> !l.isBlank()).count();
        long bad = Arrays.stream(RequestParserTest.class.getDeclaredMethod("refusesWithAClearMessage", String.class,
                String.class).getAnnotation(CsvSource.class).textBlock().split("\n")).filter(l -> !l.isBlank()).count();
        List<String> all = Arrays.stream((RequestParserTest.class.getDeclaredMethod("understands", String.class,
                int.class, String.class, String.class).getAnnotation(CsvSource.class).textBlock()).split("\n"))
                .map(l -> l.split("\\|")[0].strip()).filter(s -> !s.isEmpty()).collect(Collectors.toList());
        assertThat(all).doesNotHaveDuplicates();
        assertThat(good + bad + 3).isGreaterThanOrEqualTo(40);
    }
}
