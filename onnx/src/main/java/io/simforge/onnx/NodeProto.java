package io.simforge.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One operator in a graph ({@code NodeProto}): its type ({@code op_type} in {@code domain}), the names of the
 * tensors it reads and writes (an empty input name is an omitted optional input), and its attributes.
 */
public record NodeProto(List<String> inputs, List<String> outputs, String name, String opType, String domain,
        List<AttributeProto> attributes, String docString) {
    public NodeProto {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        name = Objects.requireNonNullElse(name, "");
        opType = Objects.requireNonNullElse(opType, "");
        domain = Objects.requireNonNullElse(domain, "");
        attributes = List.copyOf(attributes);
        docString = Objects.requireNonNullElse(docString, "");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Input {@code index}, or the empty string when the node has fewer inputs. */
    public String input(int index) {
        return index < inputs.size() ? inputs.get(index) : "";
    }

    /** Output {@code index}, or the empty string when the node has fewer outputs. */
    public String output(int index) {
        return index < outputs.size() ? outputs.get(index) : "";
    }

    /** The attribute with this name, or null. */
    public AttributeProto attribute(String attributeName) {
        for (AttributeProto a : attributes) {
            if (a.name().equals(attributeName)) {
                return a;
            }
        }
        return null;
    }

    /** The {@code i} of an attribute, or {@code otherwise} when it is absent. */
    public long intAttribute(String attributeName, long otherwise) {
        AttributeProto a = attribute(attributeName);
        return a == null ? otherwise : a.i();
    }

    /** The {@code ints} of an attribute, or {@code otherwise} when it is absent. */
    public long[] intsAttribute(String attributeName, long[] otherwise) {
        AttributeProto a = attribute(attributeName);
        return a == null ? otherwise : a.ints();
    }

    /** The {@code f} of an attribute, or {@code otherwise} when it is absent. */
    public float floatAttribute(String attributeName, float otherwise) {
        AttributeProto a = attribute(attributeName);
        return a == null ? otherwise : a.f();
    }

    /** The {@code s} of an attribute as UTF-8, or {@code otherwise} when it is absent. */
    public String stringAttribute(String attributeName, String otherwise) {
        AttributeProto a = attribute(attributeName);
        return a == null ? otherwise : a.stringValue();
    }

    /** Builder: {@code setOpType} is required. */
    public static final class Builder {
        private final List<String> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private String name = "";
        private String opType;
        private String domain = "";
        private final List<AttributeProto> attributes = new ArrayList<>();
        private String docString = "";

        private Builder() {}

        public Builder setOpType(String opType) {
            this.opType = Objects.requireNonNull(opType, "opType");
            return this;
        }

        public Builder addInput(String input) {
            inputs.add(Objects.requireNonNull(input));
            return this;
        }

        public Builder addInputs(List<String> names) {
            names.forEach(this::addInput);
            return this;
        }

        public Builder addOutput(String output) {
            outputs.add(Objects.requireNonNull(output));
            return this;
        }

        public Builder optName(String name) {
            this.name = Objects.requireNonNullElse(name, "");
            return this;
        }

        public Builder optDomain(String domain) {
            this.domain = Objects.requireNonNullElse(domain, "");
            return this;
        }

        public Builder addAttribute(AttributeProto attribute) {
            attributes.add(Objects.requireNonNull(attribute));
            return this;
        }

        public Builder optDocString(String doc) {
            this.docString = Objects.requireNonNullElse(doc, "");
            return this;
        }

        public NodeProto build() {
            if (opType == null) {
                throw new IllegalStateException("an ONNX node needs an operator type (setOpType)");
            }
            return new NodeProto(inputs, outputs, name, opType, domain, attributes, docString);
        }
    }
}
