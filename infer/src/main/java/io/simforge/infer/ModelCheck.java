package io.simforge.infer;

import io.simforge.core.model.ModelMetadata;
import io.simforge.onnx.GraphProto;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxFormatException;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.OperatorSetIdProto;
import io.simforge.onnx.TensorProto;
import io.simforge.onnx.ValueInfoProto;
import io.simforge.onnx.WeightChecksum;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One check of an exported model, in plain words: what was checked, whether it passed, what was found.
 *
 * <p>{@link #structure} runs the checks that need only the file (it parses, its opset, its simforge metadata, its
 * input and output, its weights checksum): {@code simforge verify} starts with them and adds that ONNX Runtime runs the
 * model and its parity with the trained model; a job that must refuse a model before it starts (a Spark job, say)
 * reports them in the same words.
 */
public record ModelCheck(String name, boolean passed, String detail) {

    /**
     * The file checks, and the model's metadata when they got far enough to read it.
     *
     * @param metadata null when the file or its metadata could not be read (the checks then stop there)
     * @param properties the model's {@code metadata_props} as stored (empty when the file could not be read)
     */
    public record Structure(List<ModelCheck> checks, ModelMetadata metadata, Map<String, String> properties) {
        public Structure {
            checks = List.copyOf(checks);
            properties = Map.copyOf(properties);
        }

        /** Whether every check passed. */
        public boolean passed() {
            return metadata != null && checks.stream().allMatch(ModelCheck::passed);
        }

        /** The failed checks as {@code simforge verify} prints them, one per line ({@code FAIL name detail}). */
        public String failures() {
            return String.join("\n", checks.stream().filter(c -> !c.passed()).map(ModelCheck::line).toList());
        }
    }

    /** The check as {@code simforge verify} prints it: {@code ok  }/{@code FAIL}, the name, the detail. */
    public String line() {
        return String.format(Locale.ROOT, "%s %-9s %s", passed ? "ok  " : "FAIL", name, detail);
    }

    /** The failed {@code runs} check: ONNX Runtime refused to load or run the model, for the reason given. */
    public static ModelCheck cannotRun(Exception e) {
        return new ModelCheck("runs", false, "ONNX Runtime cannot run it: " + e.getMessage());
    }

    /** Checks {@code file}, parse, opset, metadata, signature, weights, in that order. */
    public static Structure structure(Path file) {
        List<ModelCheck> checks = new ArrayList<>();
        ModelProto model;
        try {
            model = OnnxReader.read(file);
            if (model.graph() == null) {
                throw new OnnxFormatException("no graph");
            }
            checks.add(new ModelCheck("file", true, "an ONNX model (IR version " + model.irVersion() + ", written by "
                    + model.producerVersion() + ")"));
        } catch (IOException e) {
            checks.add(new ModelCheck("file", false, file + " cannot be read as an ONNX model (" + e.getMessage()
                    + "): truncated, damaged or not ONNX; export it again"));
            return new Structure(checks, null, Map.of());
        }
        long opset = model.opsetImports().stream().filter(o -> o.domain().isEmpty())
                .mapToLong(OperatorSetIdProto::version).findFirst().orElse(-1);
        checks.add(new ModelCheck("opset", opset >= ModelMetadata.MIN_OPSET && opset <= ModelMetadata.MAX_OPSET,
                "default-domain opset " + opset + " (simforge exports " + ModelMetadata.MIN_OPSET + "–"
                        + ModelMetadata.MAX_OPSET + ")"));
        Map<String, String> props = new HashMap<>();
        model.metadataProps().forEach(e -> props.put(e.key(), e.value()));
        ModelMetadata meta;
        try {
            meta = ModelMetadata.fromMap(props, file.toString());
            checks.add(new ModelCheck("metadata", true, "format version " + meta.formatVersion() + ": "
                    + meta.embeddingSize() + "-d " + (meta.normalized() ? "L2-normalised " : "") + "embeddings of "
                    + meta.inputKind().name().toLowerCase(Locale.ROOT) + " input " + String.join("×",
                            Arrays.stream(meta.itemShape()).mapToObj(Integer::toString).toList())
                    + (meta.preprocessing() != null ? ", preprocessing " + meta.preprocessing() : "")));
        } catch (RuntimeException e) {
            checks.add(new ModelCheck("metadata", false, e.getMessage()));
            return new Structure(checks, null, props);
        }
        checks.add(signature(model.graph(), meta));
        Path dir = file.toAbsolutePath().getParent();
        String stored = props.get(ModelMetadata.KEY_WEIGHTS_SHA256);
        try {
            String actual = WeightChecksum.of(model.graph().initializers(), dir);
            checks.add(stored == null
                    ? new ModelCheck("weights", true, "no checksum recorded (exported before checksums existed)")
                    : new ModelCheck("weights", stored.equals(actual), stored.equals(actual)
                            ? "SHA-256 of the weights matches the recorded " + stored.substring(0, 16) + "…"
                            : "the weights do not match their recorded checksum: the file was changed or damaged "
                                    + "after export"));
        } catch (IOException e) {
            checks.add(new ModelCheck("weights", false, "the weights cannot be read: " + e.getMessage()));
        }
        return new Structure(checks, meta, props);
    }

    private static ModelCheck signature(GraphProto graph, ModelMetadata meta) {
        List<String> problems = new ArrayList<>();
        List<String> inits = graph.initializers().stream().map(TensorProto::name).toList();
        List<ValueInfoProto> inputs = graph.inputs().stream().filter(v -> !inits.contains(v.name())).toList();
        if (inputs.size() != 1 || !inputs.get(0).name().equals(meta.inputName())) {
            problems.add("inputs " + inputs.stream().map(ValueInfoProto::name).toList() + " instead of one named '"
                    + meta.inputName() + "'");
        } else if (rank(inputs.get(0)) != meta.itemShape().length + 1) {
            problems.add("input rank " + rank(inputs.get(0)) + " instead of " + (meta.itemShape().length + 1));
        } else if (inputs.get(0).tensorType().shape().dims().get(0).param() == null) {
            problems.add("the batch dimension is fixed, not dynamic");
        }
        if (graph.outputs().isEmpty() || !graph.outputs().get(0).name().equals(meta.outputName())) {
            problems.add("no output named '" + meta.outputName() + "'");
        }
        return new ModelCheck("signature", problems.isEmpty(), problems.isEmpty() ? "input '" + meta.inputName()
                + "' [batch, " + String.join(", ", Arrays.stream(meta.itemShape()).mapToObj(Integer::toString)
                .toList()) + "], output '" + meta.outputName() + "' [batch, " + meta.embeddingSize() + "]"
                : String.join("; ", problems));
    }

    /** The declared rank of a tensor value, 0 when it declares none. */
    private static int rank(ValueInfoProto v) {
        return v.tensorType() == null || v.tensorType().shape() == null ? 0 : v.tensorType().shape().dims().size();
    }
}
