package dev.troupe.renderer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

/**
 * The two pieces every ONNX graph writer needs, over the ONNX protobuf classes: a typed graph input or output, and
 * a node with its attributes. Used by the benchmark's generated models and the tests' fixture models.
 */
public final class OnnxProtos {
    private OnnxProtos() {
    }

    /** A graph input or output; a dim is a Number (fixed) or a String (symbolic). */
    public static ValueInfoProto value(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDimBuilder().setDimParam(s);
            } else {
                shape.addDimBuilder().setDimValue(((Number) d).longValue());
            }
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    /** A node; attributes are name/value pairs (Long, Float, long[] or String). */
    public static NodeProto node(String op, String name, String[] inputs, String output, Object... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String in : inputs) {
            node.addInput(in);
        }
        node.addOutput(output);
        for (int i = 0; i < attributes.length; i += 2) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName((String) attributes[i]);
            Object v = attributes[i + 1];
            if (v instanceof Long l) {
                a.setType(AttributeProto.AttributeType.INT).setI(l);
            } else if (v instanceof Float f) {
                a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
            } else if (v instanceof long[] ints) {
                a.setType(AttributeProto.AttributeType.INTS);
                for (long x : ints) {
                    a.addInts(x);
                }
            } else {
                a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8((String) v));
            }
            node.addAttribute(a);
        }
        return node.build();
    }
}
