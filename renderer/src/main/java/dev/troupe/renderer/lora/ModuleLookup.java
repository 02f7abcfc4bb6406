package dev.troupe.renderer.lora;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the model module a LoRA module targets, building every lookup forward from the model's real module paths:
 * kohya names are compared with each real path flattened ('.' -> '_'), never by turning '_' back into '.', which is
 * ambiguous ({@code to_out_0}, {@code transformer_blocks_0}). Two real paths that flatten alike are ambiguous and
 * match nothing rather than the wrong weight.
 *
 * <p>UNet modules also get their LDM (original Stable Diffusion) names, the mapping diffusers documents for
 * converting LDM checkpoints, with {@code L} = layers per block counted from the model:
 * <pre>
 * down_blocks.i.resnets.j      = input_blocks.((L+1)i + j + 1).0   (conv1 = in_layers.2, conv2 = out_layers.3,
 * down_blocks.i.attentions.j   = input_blocks.((L+1)i + j + 1).1    time_emb_proj = emb_layers.1,
 * down_blocks.i.downsamplers.0.conv = input_blocks.((L+1)(i+1)).0.op  conv_shortcut = skip_connection)
 * mid_block.resnets.0 / attentions.0 / resnets.1 = middle_block.0 / .1 / .2
 * up_blocks.i.resnets.j        = output_blocks.((L+1)i + j).0      (j in 0..L)
 * up_blocks.i.attentions.j     = output_blocks.((L+1)i + j).1
 * up_blocks.i.upsamplers.0.conv = output_blocks.((L+1)i + L).(2 if the block has attentions else 1).conv
 * conv_in = input_blocks.0.0, conv_out = out.2, time_embedding.linear_1 / linear_2 = time_embed.0 / time_embed.2
 * </pre>
 */
final class ModuleLookup {
    private static final String AMBIGUOUS = "\u0000ambiguous";
    private static final Pattern BLOCK = Pattern.compile(
            "^(down_blocks|up_blocks)\\.(\\d+)\\.(resnets|attentions|downsamplers|upsamplers)\\.(\\d+)(?:\\.(.*))?$");
    private static final Pattern MID = Pattern.compile("^mid_block\\.(resnets|attentions)\\.(\\d+)(?:\\.(.*))?$");
    private static final Map<String, String> LDM_RESNET = Map.of(
            "conv1", "in_layers.2", "conv2", "out_layers.3", "time_emb_proj", "emb_layers.1",
            "conv_shortcut", "skip_connection", "norm1", "in_layers.0", "norm2", "out_layers.0");

    private final Set<String> paths;
    private final Map<String, String> byFlatName = new HashMap<>();

    ModuleLookup(Set<String> modulePaths, boolean withLdmNames) {
        this.paths = Set.copyOf(modulePaths);
        for (String p : paths) {
            index(flatten(p), p);
        }
        if (withLdmNames) {
            int layersPerBlock = countIndices(paths, "down_blocks.0.resnets.");
            Set<String> upBlocksWithAttention = new HashSet<>();
            for (String p : paths) {
                Matcher m = BLOCK.matcher(p);
                if (m.matches() && m.group(1).equals("up_blocks") && m.group(3).equals("attentions")) {
                    upBlocksWithAttention.add(m.group(2));
                }
            }
            if (layersPerBlock > 0) {
                for (String p : paths) {
                    String ldm = ldmName(p, layersPerBlock, upBlocksWithAttention);
                    if (ldm != null) {
                        index(flatten(ldm), p);
                    }
                }
            }
        }
    }

    /** The real module path for a kohya flat name (after {@code lora_unet_}/{@code lora_te_}), or null. */
    String kohya(String flatName) {
        String p = byFlatName.get(flatName);
        return p == null || p.equals(AMBIGUOUS) ? null : p;
    }

    /** Whether the flat name matches two or more modules, for the report. */
    boolean isAmbiguous(String flatName) {
        return AMBIGUOUS.equals(byFlatName.get(flatName));
    }

    /** The real module path for a PEFT name, or null. */
    String peft(String path) {
        return paths.contains(path) ? path : null;
    }

    private void index(String flat, String path) {
        String previous = byFlatName.putIfAbsent(flat, path);
        if (previous != null && !previous.equals(path)) {
            byFlatName.put(flat, AMBIGUOUS);
        }
    }

    static String flatten(String path) {
        return path.replace('.', '_');
    }

    private static int countIndices(Set<String> paths, String prefix) {
        Set<String> indices = new TreeSet<>();
        for (String p : paths) {
            if (p.startsWith(prefix)) {
                String rest = p.substring(prefix.length());
                int dot = rest.indexOf('.');
                indices.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return indices.size();
    }

    static String ldmName(String path, int layersPerBlock, Set<String> upBlocksWithAttention) {
        int stride = layersPerBlock + 1;
        switch (path) {
            case "conv_in": return "input_blocks.0.0";
            case "conv_out": return "out.2";
            case "time_embedding.linear_1": return "time_embed.0";
            case "time_embedding.linear_2": return "time_embed.2";
            default: break;
        }
        Matcher mid = MID.matcher(path);
        if (mid.matches()) {
            boolean resnet = mid.group(1).equals("resnets");
            int index = resnet ? (mid.group(2).equals("0") ? 0 : 2) : 1;
            return join("middle_block." + index, resnet ? resnetInner(mid.group(3)) : mid.group(3));
        }
        Matcher m = BLOCK.matcher(path);
        if (!m.matches()) {
            return null;
        }
        int block = Integer.parseInt(m.group(2));
        int layer = Integer.parseInt(m.group(4));
        String kind = m.group(3);
        String rest = m.group(5);
        if (m.group(1).equals("down_blocks")) {
            return switch (kind) {
                case "resnets" -> join("input_blocks." + (stride * block + layer + 1) + ".0", resnetInner(rest));
                case "attentions" -> join("input_blocks." + (stride * block + layer + 1) + ".1", rest);
                case "downsamplers" -> "conv".equals(rest) ? "input_blocks." + (stride * (block + 1)) + ".0.op" : null;
                default -> null;
            };
        }
        return switch (kind) {
            case "resnets" -> join("output_blocks." + (stride * block + layer) + ".0", resnetInner(rest));
            case "attentions" -> join("output_blocks." + (stride * block + layer) + ".1", rest);
            case "upsamplers" -> "conv".equals(rest)
                    ? "output_blocks." + (stride * block + layersPerBlock) + "."
                    + (upBlocksWithAttention.contains(m.group(2)) ? 2 : 1) + ".conv"
                    : null;
            default -> null;
        };
    }

    private static String resnetInner(String rest) {
        if (rest == null) {
            return null;
        }
        String mapped = LDM_RESNET.get(rest);
        return mapped == null ? rest : mapped;
    }

    private static String join(String head, String rest) {
        return rest == null ? head : head + "." + rest;
    }
}
