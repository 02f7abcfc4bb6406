package dev.troupe.renderer.lora;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static dev.troupe.renderer.lora.OnnxFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoraMatchingTest {
    @TempDir
    Path dir;

    @Test
    void keyMatchingNothingIsReportedAndTheRestMerged() throws Exception {
        ModelWeights weights = OnnxWeightResolver.resolve(OnnxFixtures.write(dir.resolve("m"), false, false));
        Path lora = new SafetensorsWriter()
                .f32("lora_unet_" + ModuleLookup.flatten(TO_Q) + ".lora_down.weight", new long[] {1, IN}, new float[IN])
                .f32("lora_unet_" + ModuleLookup.flatten(TO_Q) + ".lora_up.weight", new long[] {OUT, 1}, new float[OUT])
                .f32("lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", new long[] {1, IN}, new float[IN])
                .f32("lora_unet_mid_block_attentions_0_proj_in.lora_up.weight", new long[] {OUT, 1}, new float[OUT])
                .f32("lora_unet_" + ModuleLookup.flatten(TO_K) + ".hada_w1_a", new long[] {1}, new float[1])
                .write(dir.resolve("partial.safetensors"));
        try (MergedLoras merged = new LoraMerger(weights, null).merge(LoraSet.of(lora, 1))) {
            LoraReport report = merged.reports().get(0);
            assertThat(report.matchedModules()).isEqualTo(1);
            assertThat(report.unmatchedKeys()).hasSize(3);
            assertThat(report.unmatchedKeys().get(0))
                    .startsWith("lora_unet_mid_block_attentions_0_proj_in.lora_down.weight (no module");
            assertThat(report.unmatchedKeys().get(2)).contains("hada_w1_a").contains("LoHa");
        }
    }

    @Test
    void fileMatchingNothingFails() throws Exception {
        ModelWeights weights = OnnxWeightResolver.resolve(OnnxFixtures.write(dir.resolve("m"), false, false));
        Path lora = new SafetensorsWriter()
                .f32("lora_unet_input_blocks_4_1_proj_in.lora_down.weight", new long[] {1, IN}, new float[IN])
                .f32("lora_unet_input_blocks_4_1_proj_in.lora_up.weight", new long[] {OUT, 1}, new float[OUT])
                .write(dir.resolve("other-model.safetensors"));
        assertThatThrownBy(() -> new LoraMerger(weights, null).merge(LoraSet.of(lora, 1)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("other-model.safetensors matched no weight of the model")
                .hasMessageContaining("different base model");
    }

    @Test
    void shapeThatDoesNotFitFailsClearly() throws Exception {
        ModelWeights weights = OnnxWeightResolver.resolve(OnnxFixtures.write(dir.resolve("m"), false, false));
        Path lora = new SafetensorsWriter()
                .f32("unet." + TO_Q + ".lora_A.weight", new long[] {2, IN + 1}, new float[2 * (IN + 1)])
                .f32("unet." + TO_Q + ".lora_B.weight", new long[] {OUT, 2}, new float[2 * OUT])
                .write(dir.resolve("wrong.safetensors"));
        assertThatThrownBy(() -> new LoraMerger(weights, null).merge(LoraSet.of(lora, 1)))
                .isInstanceOf(LoraException.class)
                .hasMessageContaining("do not fit weight " + TO_Q + " [4, 5]");
    }

    @Test
    void kohyaNamesAreMatchedForwardAndAmbiguityMatchesNothing() {
        ModuleLookup lookup = new ModuleLookup(Set.of(
                "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
                "a.b_c", "a_b.c"), false);
        assertThat(lookup.kohya("down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0"))
                .isEqualTo("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0");
        assertThat(lookup.kohya("a_b_c")).isNull();
        assertThat(lookup.isAmbiguous("a_b_c")).isTrue();
    }

    @Test
    void ldmNamesFollowDiffusersMappingWithTwoLayersPerBlock() {
        // SD 1.x layout: 2 resnets per down block, 3 per up block, up block 0 without attention
        Set<String> modules = Set.of(
                "conv_in", "down_blocks.0.resnets.0.conv1", "down_blocks.0.resnets.1.conv1",
                "down_blocks.0.attentions.1.proj_in", "down_blocks.0.downsamplers.0.conv",
                "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k",
                "mid_block.resnets.1.time_emb_proj", "mid_block.attentions.0.proj_out",
                "up_blocks.0.resnets.2.conv_shortcut", "up_blocks.0.upsamplers.0.conv",
                "up_blocks.1.attentions.2.proj_in", "up_blocks.1.upsamplers.0.conv", "time_embedding.linear_2");
        ModuleLookup lookup = new ModuleLookup(modules, true);
        assertThat(lookup.kohya("input_blocks_0_0")).isEqualTo("conv_in");
        assertThat(lookup.kohya("input_blocks_2_0_in_layers_2")).isEqualTo("down_blocks.0.resnets.1.conv1");
        assertThat(lookup.kohya("input_blocks_2_1_proj_in")).isEqualTo("down_blocks.0.attentions.1.proj_in");
        assertThat(lookup.kohya("input_blocks_3_0_op")).isEqualTo("down_blocks.0.downsamplers.0.conv");
        assertThat(lookup.kohya("input_blocks_4_1_transformer_blocks_0_attn2_to_k"))
                .isEqualTo("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k");
        assertThat(lookup.kohya("middle_block_2_emb_layers_1")).isEqualTo("mid_block.resnets.1.time_emb_proj");
        assertThat(lookup.kohya("middle_block_1_proj_out")).isEqualTo("mid_block.attentions.0.proj_out");
        assertThat(lookup.kohya("output_blocks_2_0_skip_connection")).isEqualTo("up_blocks.0.resnets.2.conv_shortcut");
        assertThat(lookup.kohya("output_blocks_2_1_conv")).isEqualTo("up_blocks.0.upsamplers.0.conv");
        assertThat(lookup.kohya("output_blocks_5_1_proj_in")).isEqualTo("up_blocks.1.attentions.2.proj_in");
        assertThat(lookup.kohya("output_blocks_5_2_conv")).isEqualTo("up_blocks.1.upsamplers.0.conv");
        assertThat(lookup.kohya("time_embed_2")).isEqualTo("time_embedding.linear_2");
        // diffusers names still work alongside
        assertThat(lookup.kohya("down_blocks_0_resnets_1_conv1")).isEqualTo("down_blocks.0.resnets.1.conv1");
    }
}
