package dev.troupe.renderer.lora;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps the module paths of an ONNX export (UNet or text encoder) to the initializers that hold their weights.
 *
 * <p>torch >= 1.13 exports Linear weights as anonymous constants {@code onnx::MatMul_NNNN} of shape {@code [in, out]};
 * only the consuming node keeps the module path in its name, e.g.
 * {@code /down_blocks.1/attentions.0/transformer_blocks.0/attn2/to_k/MatMul}. Conv and Gemm weights keep names such
 * as {@code down_blocks.0.resnets.0.conv1.weight}. The module path of a weight is taken from, in order:
 * <ol>
 *   <li>the weight initializer's own name {@code X.weight};</li>
 *   <li>the bias added to the node's output, {@code X.bias} (exports drop scopes from node names: the embedded
 *       CLIP's nodes read {@code /layers.0/q_proj/MatMul} for {@code text_model.encoder.layers.0.self_attn.q_proj},
 *       but its bias keeps the full name);</li>
 *   <li>the node name, {@code /a/b.0/c/MatMul} -> {@code a.b.0.c}; when its first scope is not a root of the
 *       model's named weights (the UNet's mid-block nodes read {@code /attentions.0/...}), it is completed with the
 *       unique named module that ends with the node's parent path and is not claimed by another node.</li>
 * </ol>
 * The weight is the initializer feeding input 1, possibly through Identity, Cast and a 2-D Transpose.
 */
public final class OnnxWeightResolver {
    private static final Set<String> WEIGHT_OPS = Set.of("MatMul", "Gemm", "Conv");
    private static final Set<String> PASS_THROUGH_OPS = Set.of("Identity", "Cast", "Transpose");
    /** Ops of an 8-bit quantized export (ONNX Runtime's quantize_dynamic / quantize_static, QOperator form). */
    private static final Set<String> QUANTIZED_OPS = Set.of("ConvInteger", "MatMulInteger", "QLinearConv",
            "QLinearMatMul");

    private OnnxWeightResolver() {
    }

    /** Reads the graph; no weight's data is loaded (see {@link OnnxModelFile}). */
    public static ModelWeights resolve(Path modelFile) {
        return resolve(OnnxModelFile.read(modelFile));
    }

    static ModelWeights resolve(OnnxModelFile model) {
        GraphProto graph = model.graph();
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Map<String, NodeProto> producers = new HashMap<>();
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        Set<String> namedModules = new HashSet<>();
        Set<String> roots = new HashSet<>();
        for (String name : initializers.keySet()) {
            if (name.startsWith("onnx::") || !name.contains(".")) {
                continue;
            }
            String module = name.substring(0, name.lastIndexOf('.'));
            roots.add(module.contains(".") ? module.substring(0, module.indexOf('.')) : module);
            for (String m = module; !m.isEmpty(); m = parent(m)) {
                namedModules.add(m);
            }
        }

        Map<String, WeightTarget> byModule = new LinkedHashMap<>();
        Map<String, TensorProto> protos = new HashMap<>();
        Set<String> ambiguous = new HashSet<>();
        List<Pending> pending = new ArrayList<>();
        int quantized = 0;
        for (NodeProto node : graph.getNodeList()) {
            if (QUANTIZED_OPS.contains(node.getOpType()) || WEIGHT_OPS.contains(node.getOpType())
                    && node.getInputCount() >= 2 && producers.containsKey(node.getInput(1))
                    && producers.get(node.getInput(1)).getOpType().equals("DequantizeLinear")) {
                quantized++; // an 8-bit weight (QOperator, or QDQ: int8 initializer -> DequantizeLinear -> Conv)
                continue;
            }
            if (!WEIGHT_OPS.contains(node.getOpType()) || node.getInputCount() < 2) {
                continue;
            }
            Source source = weightSource(node.getInput(1), initializers, producers);
            if (source == null) {
                continue; // activations x activations (attention scores): no weight
            }
            TensorProto weight = source.initializer;
            WeightTarget.ElementType type = WeightTarget.ElementType.fromOnnx(weight.getDataType());
            if (type == null || !rankFits(node.getOpType(), weight.getDimsCount()) || source.transposes > 1
                    || (node.getOpType().equals("Conv") && source.transposes != 0)) {
                continue;
            }
            boolean inOut = switch (node.getOpType()) {
                case "MatMul" -> true;
                case "Gemm" -> intAttribute(node, "transB", 0) == 0;
                default -> false;
            };
            if (source.transposes == 1) {
                inOut = !inOut;
            }
            WeightTarget.Layout layout = inOut ? WeightTarget.Layout.IN_OUT : WeightTarget.Layout.OUT_IN;
            boolean external = weight.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
            long[] shape = weight.getDimsList().stream().mapToLong(Long::longValue).toArray();

            String module = moduleFromWeightName(weight.getName());
            if (module == null) {
                module = moduleFromBias(node, initializers, consumers);
            }
            String fromNodeName = moduleFromNodeName(node.getName());
            if (module == null && fromNodeName != null) {
                String first = fromNodeName.contains(".") ? fromNodeName.substring(0, fromNodeName.indexOf('.'))
                        : fromNodeName;
                if (roots.isEmpty() || roots.contains(first) || namedModules.contains(parent(fromNodeName))) {
                    module = fromNodeName;
                }
            }
            if (module == null) {
                if (fromNodeName != null && !parent(fromNodeName).isEmpty()) {
                    pending.add(new Pending(fromNodeName, weight, shape, layout, type, external));
                }
                continue;
            }
            claim(byModule, protos, ambiguous,
                    new WeightTarget(module, weight.getName(), shape, layout, type, external), weight);
        }
        // Scope-dropped node names: complete them against named modules not already taken.
        for (Pending p : pending) {
            String parentPath = parent(p.nodePath);
            String leaf = p.nodePath.substring(parentPath.length() + 1);
            List<String> candidates = new ArrayList<>();
            for (String m : namedModules) {
                if (m.endsWith("." + parentPath) && !byModule.containsKey(m + "." + leaf)) {
                    candidates.add(m + "." + leaf);
                }
            }
            if (candidates.size() == 1) {
                claim(byModule, protos, ambiguous, new WeightTarget(candidates.get(0), p.weight.getName(),
                        p.shape, p.layout, p.type, p.external), p.weight);
            }
        }
        for (String a : ambiguous) {
            byModule.remove(a);
            protos.remove(a);
        }
        Map<String, ModelWeights.Data> data = new HashMap<>();
        protos.forEach((module, proto) -> {
            OnnxModelFile.Span inline = model.inlineData(proto.getName());
            boolean external = proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
            data.put(module, new ModelWeights.Data(inline, external ? proto.getExternalDataList() : List.of(),
                    inline == null && !external ? proto : null));
        });
        return new ModelWeights(model, byModule, data, quantized);
    }

    private record Pending(String nodePath, TensorProto weight, long[] shape, WeightTarget.Layout layout,
                           WeightTarget.ElementType type, boolean external) {
    }

    private record Source(TensorProto initializer, int transposes) {
    }

    private static void claim(Map<String, WeightTarget> byModule, Map<String, TensorProto> protos,
                              Set<String> ambiguous, WeightTarget target, TensorProto weight) {
        WeightTarget previous = byModule.get(target.modulePath());
        if (previous != null && !previous.initializerName().equals(target.initializerName())) {
            ambiguous.add(target.modulePath()); // one module, two different weights: refuse to guess
            return;
        }
        byModule.put(target.modulePath(), target);
        protos.put(target.modulePath(), weight);
    }

    private static Source weightSource(String input, Map<String, TensorProto> initializers,
                                       Map<String, NodeProto> producers) {
        int transposes = 0;
        String name = input;
        for (int hops = 0; hops < 4; hops++) {
            TensorProto t = initializers.get(name);
            if (t != null) {
                return new Source(t, transposes);
            }
            NodeProto producer = producers.get(name);
            if (producer == null || !PASS_THROUGH_OPS.contains(producer.getOpType())
                    || producer.getInputCount() < 1) {
                return null;
            }
            if (producer.getOpType().equals("Transpose")) {
                if (!isMatrixTranspose(producer)) {
                    return null;
                }
                transposes++;
            }
            if (producer.getOpType().equals("Cast")) {
                return null; // the merged weight would have to match the pre-cast type; not an export we meet
            }
            name = producer.getInput(0);
        }
        return null;
    }

    private static boolean isMatrixTranspose(NodeProto transpose) {
        for (AttributeProto a : transpose.getAttributeList()) {
            if (a.getName().equals("perm")) {
                return a.getIntsCount() == 2 && a.getInts(0) == 1 && a.getInts(1) == 0;
            }
        }
        return true; // default perm reverses the axes: for the 2-D weights accepted here that is [1, 0]
    }

    private static boolean rankFits(String op, int rank) {
        return op.equals("Conv") ? rank >= 3 : rank == 2;
    }

    private static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    private static String moduleFromWeightName(String name) {
        if (name.endsWith(".weight") && !name.startsWith("onnx::")) {
            return name.substring(0, name.length() - ".weight".length());
        }
        return null;
    }

    private static String moduleFromBias(NodeProto node, Map<String, TensorProto> initializers,
                                         Map<String, List<NodeProto>> consumers) {
        if (node.getOutputCount() == 0) {
            return null;
        }
        for (NodeProto consumer : consumers.getOrDefault(node.getOutput(0), List.of())) {
            if (!consumer.getOpType().equals("Add")) {
                continue;
            }
            for (String in : consumer.getInputList()) {
                if (in.endsWith(".bias") && initializers.containsKey(in)) {
                    return in.substring(0, in.length() - ".bias".length());
                }
            }
        }
        return null;
    }

    /** {@code /down_blocks.1/attentions.0/proj_in/MatMul} -> {@code down_blocks.1.attentions.0.proj_in}. */
    static String moduleFromNodeName(String nodeName) {
        String trimmed = nodeName.startsWith("/") ? nodeName.substring(1) : nodeName;
        int lastSlash = trimmed.lastIndexOf('/');
        if (lastSlash <= 0) {
            return null;
        }
        return trimmed.substring(0, lastSlash).replace('/', '.');
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}
