package io.simforge.infer;

import io.simforge.core.error.SimforgeException;
import io.simforge.core.model.ModelMetadata;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxFormatException;
import io.simforge.onnx.OnnxModelInfo;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.WeightChecksum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One check of a model, in plain words: what was checked, whether it passed, what was found.
 *
 * <p>This is the one home of the checks that need only the file ({@link #fileChecks}: it parses, its graph, its opset,
 * its simforge metadata, its weights checksum) and of opening the model with its settings ({@link #open}).
 * {@code simforge verify} prints them and adds that ONNX Runtime runs the model and its parity with the trained model;
 * a job that must refuse a model before it starts (a Spark job, say) refuses it with the very same lines.
 */
public record ModelCheck(String name, boolean passed, String detail) {

    /**
     * The checks of the file, in the order {@code simforge verify} prints them.
     *
     * @param checks {@code file}, {@code graph}, {@code opset}, {@code metadata} (fewer when the file cannot be read)
     * @param weights the {@code weights} check, printed after the settings; null when the checks stopped early
     * @param metadata the simforge metadata; null for a model from elsewhere or when it could not be read
     * @param properties the model's {@code metadata_props} as stored (empty when the file could not be read)
     * @param externalDataFiles the external weight files the graph names, relative to the model's folder
     */
    public record FileChecks(List<ModelCheck> checks, ModelCheck weights, ModelMetadata metadata,
            Map<String, String> properties, Set<String> externalDataFiles) {
        public FileChecks {
            checks = List.copyOf(checks);
            properties = Map.copyOf(properties);
            externalDataFiles = Set.copyOf(externalDataFiles);
        }

        /** Whether the checks got far enough that the model can be opened to resolve its settings. */
        public boolean complete() {
            return weights != null;
        }
    }

    /**
     * The checks before the model runs, as {@code simforge verify} prints them, and the embedder they opened.
     *
     * @param checks the {@link FileChecks}, then {@code settings}, then {@code weights} (fewer when they stopped)
     * @param embedder the model opened with its settings (the caller closes it); null when it could not be opened
     * @param file what the file checks found (its metadata and properties among it)
     */
    public record Opened(List<ModelCheck> checks, Embedder embedder, FileChecks file) {
        public Opened {
            checks = List.copyOf(checks);
        }

        /** Whether the model opened and every check passed. */
        public boolean passed() {
            return embedder != null && checks.stream().allMatch(ModelCheck::passed);
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

    /**
     * Runs the {@link #fileChecks}, then opens the model with its settings (its metadata, {@code overrides}, the
     * settings files beside it) for the {@code settings} check, then adds the {@code weights} check. A file that
     * cannot be read, or settings that cannot be resolved, stop the checks there.
     *
     * @param batchSize the batch the embedder should take (a model with a fixed batch gets its own, and the
     *     {@code settings} line says so)
     */
    public static Opened open(Path file, PartialSettings overrides, int batchSize) {
        FileChecks fileChecks = fileChecks(file);
        List<ModelCheck> checks = new ArrayList<>(fileChecks.checks());
        if (!fileChecks.complete()) {
            return new Opened(checks, null, fileChecks);
        }
        Embedder embedder;
        try {
            embedder = Embedder.builder().setModelPath(file).optOverrides(overrides).optBatchSize(batchSize).build();
        } catch (SimforgeException e) {
            checks.add(new ModelCheck("settings", false, e.getMessage()));
            return new Opened(checks, null, fileChecks);
        }
        checks.add(new ModelCheck("settings", true, "from " + embedder.settingsSource() + ": "
                + embedder.settings().describe() + (embedder.batchSize() < batchSize ? "; a fixed batch of "
                + embedder.batchSize() : "")));
        checks.add(fileChecks.weights());
        return new Opened(checks, embedder, fileChecks);
    }

    /** The failed {@code runs} check: ONNX Runtime refused to run the model, for the reason given. */
    public static ModelCheck cannotRun(Exception e) {
        return new ModelCheck("runs", false, "ONNX Runtime cannot run it: " + e.getMessage());
    }

    /** Checks {@code file}, {@code graph}, {@code opset}, {@code metadata} and {@code weights}. */
    public static FileChecks fileChecks(Path file) {
        List<ModelCheck> checks = new ArrayList<>();
        ModelProto model;
        try {
            model = OnnxReader.read(file);
            if (model.graph() == null) {
                throw new OnnxFormatException("no graph");
            }
            checks.add(new ModelCheck("file", true, "an ONNX model (IR version " + model.irVersion() + ", written by "
                    + (model.producerName() + " " + model.producerVersion()).trim() + ")"));
        } catch (IOException e) {
            checks.add(new ModelCheck("file", false, file + " cannot be read as an ONNX model (" + e.getMessage()
                    + "): truncated, damaged or not ONNX; export it again"));
            return new FileChecks(checks, null, null, Map.of(), Set.of());
        }
        OnnxModelInfo info = OnnxModelInfo.of(model);
        Path dir = file.toAbsolutePath().getParent();
        List<String> missingData = info.externalDataFiles().stream().filter(f -> !Files.isRegularFile(dir.resolve(f)))
                .toList();
        checks.add(new ModelCheck("graph", missingData.isEmpty(), "inputs " + info.inputs() + ", outputs "
                + info.outputs() + ", " + (info.usesExternalData() ? "weights in " + info.externalDataFiles()
                + (missingData.isEmpty() ? "" : ", missing: keep " + missingData + " beside the model")
                : "weights inside the file")));
        Map<String, String> props = model.metadata();
        boolean simforge = ModelMetadata.isSimforgeModel(props);
        boolean exported = simforge && props.getOrDefault(ModelMetadata.KEY_PRODUCER, "").startsWith("simforge")
                && !props.get(ModelMetadata.KEY_PRODUCER).contains("adopt");
        long opset = model.defaultOpset();
        checks.add(exported
                ? new ModelCheck("opset", opset >= ModelMetadata.MIN_OPSET && opset <= ModelMetadata.MAX_OPSET,
                        "default-domain opset " + opset + " (simforge exports " + ModelMetadata.MIN_OPSET + "–"
                                + ModelMetadata.MAX_OPSET + ")")
                : new ModelCheck("opset", opset > 0, "default-domain opset " + opset + (opset > 0
                        ? " (not simforge's export: ONNX Runtime decides whether it runs)"
                        : ": the model imports none")));
        ModelMetadata meta = null;
        if (simforge) {
            try {
                meta = ModelMetadata.fromMap(props, file.toString());
                checks.add(new ModelCheck("metadata", true, "format version " + meta.formatVersion() + ": "
                        + meta.embeddingSize() + "-d " + (meta.normalized() ? "L2-normalised " : "") + "embeddings of "
                        + meta.inputKind().name().toLowerCase(Locale.ROOT) + " input " + String.join("×",
                        Arrays.stream(meta.itemShape()).mapToObj(Integer::toString).toList())
                        + (meta.preprocessing() != null ? ", preprocessing " + meta.preprocessing() : "")));
            } catch (RuntimeException e) {
                checks.add(new ModelCheck("metadata", false, e.getMessage()));
                return new FileChecks(checks, null, null, props, info.externalDataFiles());
            }
        } else {
            checks.add(new ModelCheck("metadata", true, "none: a model from elsewhere. Its settings come from flags or "
                    + "the files beside it; `simforge adopt` writes them into a copy"));
        }
        return new FileChecks(checks, weights(model, dir, props, simforge), meta, props, info.externalDataFiles());
    }

    private static ModelCheck weights(ModelProto model, Path dir, Map<String, String> props, boolean simforge) {
        String stored = props.get(ModelMetadata.KEY_WEIGHTS_SHA256);
        try {
            String actual = WeightChecksum.of(model.graph().initializers(), dir);
            return stored == null
                    ? new ModelCheck("weights", true, "no checksum recorded (" + (simforge ? "exported before "
                            + "checksums existed" : "`simforge adopt` records one") + ")")
                    : new ModelCheck("weights", stored.equals(actual), stored.equals(actual)
                            ? "SHA-256 of the weights matches the recorded " + stored.substring(0, 16) + "…"
                            : "the weights do not match their recorded checksum: the file was changed or damaged "
                                    + "after export");
        } catch (IOException e) {
            return new ModelCheck("weights", false, "the weights cannot be read: " + e.getMessage());
        }
    }
}
