package dev.troupe.planner.llm;

import dev.troupe.planner.RequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerConfigTest {

    @TempDir
    Path dir;

    Map<String, String> env(String... pairs) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HOME", dir.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void nothingConfiguredMeansTheRulePlannerWithOneNotice() {
        PlannerConfig.Choice choice = PlannerConfig.resolve(PlannerConfig.Flags.none(), env());
        assertThat(choice.llm()).isNull();
        assertThat(choice.notice()).contains("no LLM endpoint configured", "--llm-base-url", "rule planner");
        assertThat(PlannerConfig.resolve(new PlannerConfig.Flags("rules", null, null, null, null, null), env()).notice()).isNull();
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheConfigFile() throws Exception {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, "planner: auto\nllm:\n  baseUrl: http://file:1/v1\n  model: file-model\n  timeout: 2m\n"
                + "  cache: none\n  boxes: true\n");
        LlmSettings fromFile = PlannerConfig.resolve(PlannerConfig.Flags.none(), env("TROUPE_CONFIG", config.toString())).llm();
        assertThat(fromFile.provider()).isEqualTo(LlmProvider.OPENAI);
        assertThat(fromFile.endpoint()).isEqualTo("http://file:1/v1/chat/completions");
        assertThat(fromFile.model()).isEqualTo("file-model");
        assertThat(fromFile.timeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(fromFile.cacheDir()).isNull();
        assertThat(fromFile.boxes()).isTrue();

        LlmSettings fromEnv = PlannerConfig.resolve(PlannerConfig.Flags.none(), env("TROUPE_CONFIG", config.toString(),
                "TROUPE_LLM_BASE_URL", "http://env:2", "TROUPE_LLM_MODEL", "env-model", "TROUPE_LLM_API_KEY", "k1")).llm();
        assertThat(fromEnv.provider()).isEqualTo(LlmProvider.OLLAMA); // auto: no /v1
        assertThat(fromEnv.endpoint()).isEqualTo("http://env:2/api/chat");
        assertThat(fromEnv.model()).isEqualTo("env-model");
        assertThat(fromEnv.apiKey()).isEqualTo("k1");
        assertThat(fromEnv.toString()).doesNotContain("k1");

        LlmSettings fromFlags = PlannerConfig.resolve(new PlannerConfig.Flags("openai", "http://flag:3/v1/", "flag-model",
                "1500ms", dir.resolve("cache").toString(), false), env("TROUPE_CONFIG", config.toString(),
                "TROUPE_LLM_BASE_URL", "http://env:2", "OPENAI_API_KEY", "k2")).llm();
        assertThat(fromFlags.endpoint()).isEqualTo("http://flag:3/v1/chat/completions");
        assertThat(fromFlags.model()).isEqualTo("flag-model");
        assertThat(fromFlags.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(fromFlags.cacheDir()).isEqualTo(dir.resolve("cache"));
        assertThat(fromFlags.apiKey()).isEqualTo("k2");
        assertThat(fromFlags.boxes()).isFalse();
    }

    @Test
    void theDefaultConfigFileAndCacheLiveUnderHome() throws Exception {
        Files.createDirectories(dir.resolve(".config/troupe"));
        Files.writeString(dir.resolve(".config/troupe/config.yaml"), "planner: ollama\nllm:\n  model: llama3\n");
        LlmSettings s = PlannerConfig.resolve(PlannerConfig.Flags.none(), env()).llm();
        assertThat(s.endpoint()).isEqualTo("http://localhost:11434/api/chat");
        assertThat(s.cacheDir()).isEqualTo(dir.resolve(".cache/troupe/llm"));
        assertThat(s.timeout()).isEqualTo(PlannerConfig.DEFAULT_TIMEOUT);
    }

    @Test
    void badSettingsGetOneClearMessage() throws Exception {
        Path config = dir.resolve("k.yaml");
        Files.writeString(config, "llm:\n  apiKey: sk-secret\n");
        assertThatThrownBy(() -> PlannerConfig.resolve(PlannerConfig.Flags.none(), env("TROUPE_CONFIG", config.toString())))
                .isInstanceOf(RequestException.class).hasMessageContaining("TROUPE_LLM_API_KEY")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-secret"));
        Files.writeString(config, "llm:\n  modle: x\n");
        assertThatThrownBy(() -> PlannerConfig.resolve(PlannerConfig.Flags.none(), env("TROUPE_CONFIG", config.toString())))
                .hasMessageContaining("unknown keys [llm.modle]");
        assertThatThrownBy(() -> PlannerConfig.resolve(PlannerConfig.Flags.none(), env("TROUPE_CONFIG", dir.resolve("no.yaml").toString())))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> PlannerConfig.resolve(new PlannerConfig.Flags("gpt", null, null, null, null, null), env()))
                .hasMessageContaining("planners: rules, openai, ollama, auto");
        assertThatThrownBy(() -> PlannerConfig.resolve(new PlannerConfig.Flags("openai", null, "m", null, null, null), env()))
                .hasMessageContaining("--llm-base-url");
        assertThatThrownBy(() -> PlannerConfig.resolve(new PlannerConfig.Flags("openai", "http://h/v1", null, null, null, null), env()))
                .hasMessageContaining("--llm-model");
        assertThatThrownBy(() -> PlannerConfig.resolve(new PlannerConfig.Flags("ollama", "localhost:11434", "m", null, null, null), env()))
                .hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> PlannerConfig.parseTimeout("soon")).hasMessageContaining("--llm-timeout 30s");
        assertThatThrownBy(() -> PlannerConfig.parseTimeout("0")).hasMessageContaining("not a positive duration");
    }
}
