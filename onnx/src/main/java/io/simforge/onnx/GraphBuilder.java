package io.simforge.onnx;

import java.util.List;

/**
 * Builds a graph node by node: each node's output and each initialiser gets a unique name from a base name
 * and a counter, so layers can be emitted without knowing what came before them.
 */
public final class GraphBuilder {
    private final GraphProto.Builder graph = GraphProto.builder();
    private final boolean float16Weights;
    private int counter;

    /** @param float16Weights store learned weights ({@link #weights}) as float16, each followed by a Cast back to float32 */
    public GraphBuilder(boolean float16Weights) {
        this.float16Weights = float16Weights;
    }

    /** A name not used before in this graph: {@code base_N}. */
    public String fresh(String base) {
        return base + "_" + (counter++);
    }

    public GraphBuilder setName(String name) {
        graph.optName(name);
        return this;
    }

    public GraphBuilder addInput(ValueInfoProto value) {
        graph.addInput(value);
        return this;
    }

    public GraphBuilder addOutput(ValueInfoProto value) {
        graph.addOutput(value);
        return this;
    }

    /** Adds a node and returns the name of its (single) output. */
    public String node(String op, String outputBase, List<String> inputs, AttributeProto... attributes) {
        String out = fresh(outputBase);
        nodeWithOutput(op, out, inputs, attributes);
        return out;
    }

    /** Adds a node whose output has a fixed name (the graph's declared output). */
    public void nodeWithOutput(String op, String output, List<String> inputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.builder().setOpType(op).optName(fresh(op)).addInputs(inputs).addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n.build());
    }

    /**
     * Renames the output of the last node added (to give the graph's final tensor its declared name).
     *
     * @throws IllegalStateException when {@code from} is not that node's output
     */
    public void renameLastOutput(String from, String to) {
        List<NodeProto> nodes = graph.nodes();
        NodeProto last = nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
        if (last == null || last.outputs().size() != 1 || !last.output(0).equals(from)) {
            throw new IllegalStateException("'" + from + "' is not the output of the last node, so it cannot be renamed");
        }
        graph.setNode(nodes.size() - 1, new NodeProto(last.inputs(), List.of(to), last.name(), last.opType(),
                last.domain(), last.attributes(), last.docString()));
    }

    /** A float initialiser with the given dims (little-endian raw data, as ONNX requires). */
    public String floats(String base, float[] values, long... dims) {
        String name = fresh(base);
        graph.addInitializer(TensorProto.ofFloats(name, values, dims));
        return name;
    }

    /**
     * A learned weight: float32 like {@link #floats}, or, with float16 weights, a float16 initialiser and a
     * Cast to float32 (so the computation, the inputs and the outputs stay float32); returns the float32 name.
     */
    public String weights(String base, float[] values, long... dims) {
        if (!float16Weights) {
            return floats(base, values, dims);
        }
        String name = fresh(base + "_f16");
        graph.addInitializer(TensorProto.ofFloat16(name, values, dims));
        return node("Cast", base, List.of(name), AttributeProto.ofInt("to", ElementType.FLOAT.number()));
    }

    /** An int64 initialiser of one dimension (for shape-like inputs such as ReduceL2's axes from opset 18). */
    public String longs(String base, long... values) {
        String name = fresh(base);
        graph.addInitializer(TensorProto.ofLongs(name, values, values.length));
        return name;
    }

    /** The initialisers added so far, in order. */
    public List<TensorProto> initializers() {
        return graph.initializers();
    }

    public GraphProto build() {
        return graph.build();
    }
}
