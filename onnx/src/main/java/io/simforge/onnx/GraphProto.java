package io.simforge.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A computation graph ({@code GraphProto}): nodes in topological order, the initialisers (stored tensors such
 * as weights), and the declared inputs, outputs and intermediate value types.
 */
public record GraphProto(String name, List<NodeProto> nodes, List<TensorProto> initializers,
        List<ValueInfoProto> inputs, List<ValueInfoProto> outputs, List<ValueInfoProto> valueInfo, String docString) {
    public GraphProto {
        name = Objects.requireNonNullElse(name, "");
        nodes = List.copyOf(nodes);
        initializers = List.copyOf(initializers);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        valueInfo = List.copyOf(valueInfo);
        docString = Objects.requireNonNullElse(docString, "");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this graph's fields, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder().optName(name).optDocString(docString);
        nodes.forEach(b::addNode);
        initializers.forEach(b::addInitializer);
        inputs.forEach(b::addInput);
        outputs.forEach(b::addOutput);
        valueInfo.forEach(b::addValueInfo);
        return b;
    }

    /** Builder; every field is optional (an empty graph is valid protobuf, if not a useful model). */
    public static final class Builder {
        private String name = "";
        private final List<NodeProto> nodes = new ArrayList<>();
        private final List<TensorProto> initializers = new ArrayList<>();
        private final List<ValueInfoProto> inputs = new ArrayList<>();
        private final List<ValueInfoProto> outputs = new ArrayList<>();
        private final List<ValueInfoProto> valueInfo = new ArrayList<>();
        private String docString = "";

        private Builder() {}

        public Builder optName(String name) {
            this.name = Objects.requireNonNullElse(name, "");
            return this;
        }

        public Builder addNode(NodeProto node) {
            nodes.add(Objects.requireNonNull(node));
            return this;
        }

        public Builder addInitializer(TensorProto tensor) {
            initializers.add(Objects.requireNonNull(tensor));
            return this;
        }

        /** Replaces initialiser {@code index}. */
        public Builder setInitializer(int index, TensorProto tensor) {
            initializers.set(index, Objects.requireNonNull(tensor));
            return this;
        }

        /** The initialisers added so far (a live view, for builders that derive names or sizes from them). */
        public List<TensorProto> initializers() {
            return java.util.Collections.unmodifiableList(initializers);
        }

        /** The nodes added so far (a live view). */
        public List<NodeProto> nodes() {
            return java.util.Collections.unmodifiableList(nodes);
        }

        /** Replaces node {@code index}. */
        public Builder setNode(int index, NodeProto node) {
            nodes.set(index, Objects.requireNonNull(node));
            return this;
        }

        public Builder addInput(ValueInfoProto value) {
            inputs.add(Objects.requireNonNull(value));
            return this;
        }

        public Builder addOutput(ValueInfoProto value) {
            outputs.add(Objects.requireNonNull(value));
            return this;
        }

        public Builder addValueInfo(ValueInfoProto value) {
            valueInfo.add(Objects.requireNonNull(value));
            return this;
        }

        public Builder optDocString(String doc) {
            this.docString = Objects.requireNonNullElse(doc, "");
            return this;
        }

        public GraphProto build() {
            return new GraphProto(name, nodes, initializers, inputs, outputs, valueInfo, docString);
        }
    }
}
