package io.simforge.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Small helpers over the ONNX protobuf builders: nodes, attributes, initialisers with unique names. */
final class OnnxGraphBuilder {
    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final boolean float16Weights;
    private int counter;

    /** @param float16Weights store learned weights as float16, each followed by a Cast back to float32 */
    OnnxGraphBuilder(boolean float16Weights) {
        this.float16Weights = float16Weights;
    }

    OnnxMl.GraphProto.Builder graph() {
        return graph;
    }

    String fresh(String base) {
        return base + "_" + (counter++);
    }

    /** Adds a node and returns the name of its (single) output. */
    String node(String op, String outputBase, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String out = fresh(outputBase);
        nodeWithOutput(op, out, inputs, attributes);
        return out;
    }

    /** Adds a node whose output has a fixed name (the graph's declared output). */
    void nodeWithOutput(String op, String output, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(fresh(op))
                .addAllInput(inputs).addOutput(output);
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    /** A float initialiser with the given dims (little-endian raw data, as ONNX requires). */
    String floats(String base, float[] values, long... dims) {
        String name = fresh(base);
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addAllDims(boxed(dims))
                .setRawData(ByteString.copyFrom(buf.array())));
        return name;
    }

    /**
     * A learned weight: float32 like {@link #floats}, or, with float16 weights, a float16 initialiser and a
     * Cast to float32 (so the computation, the inputs and the outputs stay float32); returns the float32 name.
     */
    String weights(String base, float[] values, long... dims) {
        if (!float16Weights) {
            return floats(base, values, dims);
        }
        String name = fresh(base + "_f16");
        ByteBuffer buf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putShort(io.simforge.core.linalg.Half.fromFloat(v));
        }
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT16.getNumber()).addAllDims(boxed(dims))
                .setRawData(ByteString.copyFrom(buf.array())));
        return node("Cast", base, List.of(name), integer("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
    }

    /** An int64 initialiser (for shape-like inputs such as ReduceL2's axes from opset 18). */
    String longs(String base, long... values) {
        String name = fresh(base);
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(values.length)
                .setRawData(ByteString.copyFrom(buf.array())));
        return name;
    }

    static OnnxMl.AttributeProto ints(String name, long... values) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS)
                .addAllInts(boxed(values)).build();
    }

    static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static OnnxMl.AttributeProto real(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    /** A float tensor value with a symbolic batch dimension first. */
    static OnnxMl.ValueInfoProto batchedFloat(String name, long... itemDims) {
        return batched(name, OnnxMl.TensorProto.DataType.FLOAT, itemDims);
    }

    /** A tensor value of the given element type with a symbolic batch dimension first. */
    static OnnxMl.ValueInfoProto batched(String name, OnnxMl.TensorProto.DataType type, long... itemDims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : itemDims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(type.getNumber()).setShape(shape))).build();
    }

    private static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>(values.length);
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
