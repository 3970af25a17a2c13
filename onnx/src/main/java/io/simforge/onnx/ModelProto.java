package io.simforge.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ONNX model ({@code ModelProto}): IR version, imported operator sets, producer, the graph and the
 * {@code metadata_props}. Read one with {@link OnnxReader}, write one with {@link OnnxWriter}.
 */
public record ModelProto(long irVersion, List<OperatorSetIdProto> opsetImports, String producerName,
        String producerVersion, String domain, long modelVersion, String docString, GraphProto graph,
        List<StringStringEntryProto> metadataProps) {
    public ModelProto {
        opsetImports = List.copyOf(opsetImports);
        producerName = Objects.requireNonNullElse(producerName, "");
        producerVersion = Objects.requireNonNullElse(producerVersion, "");
        domain = Objects.requireNonNullElse(domain, "");
        docString = Objects.requireNonNullElse(docString, "");
        metadataProps = List.copyOf(metadataProps);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this model's fields, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder().setIrVersion(irVersion).optProducer(producerName, producerVersion).optDomain(domain)
                .optModelVersion(modelVersion).optDocString(docString).setGraph(graph);
        opsetImports.forEach(o -> b.addOpsetImport(o.domain(), o.version()));
        metadataProps.forEach(e -> b.addMetadata(e.key(), e.value()));
        return b;
    }

    /** The metadata as a map (for a repeated key, the last value wins, as ONNX Runtime reads it). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        metadataProps.forEach(e -> m.put(e.key(), e.value()));
        return m;
    }

    /** The version of the default ({@code ""} or {@code ai.onnx}) operator set, or -1 when none is imported. */
    public long defaultOpset() {
        for (OperatorSetIdProto o : opsetImports) {
            if (o.domain().isEmpty() || o.domain().equals("ai.onnx")) {
                return o.version();
            }
        }
        return -1;
    }

    /** Builder: the IR version and an opset are what every runtime checks first; the graph is required. */
    public static final class Builder {
        private long irVersion;
        private final List<OperatorSetIdProto> opsetImports = new ArrayList<>();
        private String producerName = "";
        private String producerVersion = "";
        private String domain = "";
        private long modelVersion;
        private String docString = "";
        private GraphProto graph;
        private final List<StringStringEntryProto> metadataProps = new ArrayList<>();

        private Builder() {}

        public Builder setIrVersion(long irVersion) {
            this.irVersion = irVersion;
            return this;
        }

        public Builder addOpsetImport(String opsetDomain, long version) {
            opsetImports.add(new OperatorSetIdProto(opsetDomain, version));
            return this;
        }

        public Builder optProducer(String name, String version) {
            this.producerName = Objects.requireNonNullElse(name, "");
            this.producerVersion = Objects.requireNonNullElse(version, "");
            return this;
        }

        public Builder optDomain(String domain) {
            this.domain = Objects.requireNonNullElse(domain, "");
            return this;
        }

        public Builder optModelVersion(long version) {
            this.modelVersion = version;
            return this;
        }

        public Builder optDocString(String doc) {
            this.docString = Objects.requireNonNullElse(doc, "");
            return this;
        }

        public Builder setGraph(GraphProto graph) {
            this.graph = graph;
            return this;
        }

        public Builder addMetadata(String key, String value) {
            metadataProps.add(new StringStringEntryProto(key, value));
            return this;
        }

        /** Builds the model; a model read from a file may lack a graph, one built here may not. */
        public ModelProto build() {
            if (graph == null) {
                throw new IllegalStateException("an ONNX model needs a graph (setGraph)");
            }
            return buildAllowingNoGraph();
        }

        ModelProto buildAllowingNoGraph() {
            return new ModelProto(irVersion, opsetImports, producerName, producerVersion, domain, modelVersion,
                    docString, graph, metadataProps);
        }
    }
}
