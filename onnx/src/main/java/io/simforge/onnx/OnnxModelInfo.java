package io.simforge.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a model declares, for checking a model before running it (one of ours or a foreign one): IR version,
 * operator sets, producer, the inputs and outputs with element type and shape (symbolic dimensions by name),
 * the metadata, and whether weights are in external data files.
 *
 * @param opsets operator set versions by domain ({@code ""} is the default ONNX domain)
 * @param inputs the graph's inputs without the initialisers (which IR versions before 4 list among them)
 * @param externalDataFiles the data files the initialisers point to, relative to the model's folder
 */
public record OnnxModelInfo(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
        List<Port> inputs, List<Port> outputs, Map<String, String> metadata, Set<String> externalDataFiles) {
    public OnnxModelInfo {
        opsets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        externalDataFiles = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(externalDataFiles));
    }

    /**
     * A graph input or output.
     *
     * @param elementType the element type's number, 0 when not a tensor or not declared
     * @param shape one entry per axis, null when the rank is unknown
     */
    public record Port(String name, int elementType, List<TensorShapeProto.Dimension> shape) {
        /** {@code name: float32 [batch, 3, 224, 224]}. */
        @Override
        public String toString() {
            return name + ": " + (elementType == 0 ? "not a tensor" : ElementType.describe(elementType))
                    + (shape == null ? " [rank unknown]" : " " + shape);
        }
    }

    /** Reads and inspects a model file. */
    public static OnnxModelInfo read(Path file) throws IOException {
        return of(OnnxReader.read(file));
    }

    /** Inspects a decoded model. */
    public static OnnxModelInfo of(ModelProto model) {
        Map<String, Long> opsets = new LinkedHashMap<>();
        model.opsetImports().forEach(o -> opsets.put(o.domain(), o.version()));
        GraphProto g = model.graph();
        List<Port> inputs = new ArrayList<>();
        List<Port> outputs = new ArrayList<>();
        Set<String> external = new LinkedHashSet<>();
        if (g != null) {
            Set<String> initialised = new HashSet<>();
            for (TensorProto t : g.initializers()) {
                initialised.add(t.name());
                if (t.isExternal()) {
                    try {
                        external.add(ExternalData.locationOf(t).location());
                    } catch (OnnxFormatException e) {
                        external.add("?"); // marked external, names no file: still uses external data
                    }
                }
            }
            g.inputs().stream().filter(v -> !initialised.contains(v.name())).map(OnnxModelInfo::port).forEach(inputs::add);
            g.outputs().stream().map(OnnxModelInfo::port).forEach(outputs::add);
        }
        return new OnnxModelInfo(model.irVersion(), opsets, model.producerName(), model.producerVersion(), inputs,
                outputs, model.metadata(), external);
    }

    private static Port port(ValueInfoProto v) {
        TypeProto.Tensor t = v.tensorType();
        return new Port(v.name(), t == null ? 0 : t.elemType(), t == null || t.shape() == null ? null : t.shape().dims());
    }

    /** Whether any initialiser keeps its bytes in an external data file. */
    public boolean usesExternalData() {
        return !externalDataFiles.isEmpty();
    }

    /** The version of the default ONNX operator set, or -1 when the model imports none. */
    public long defaultOpset() {
        Long v = opsets.containsKey("") ? opsets.get("") : opsets.get("ai.onnx");
        return v == null ? -1 : v;
    }
}
