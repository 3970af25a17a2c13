package io.simforge.export;

import ai.djl.Model;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.EmbeddingNetwork;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Exports an embedding network — a freshly trained one or a saved model folder — to a standalone ONNX file with its
 * {@link ModelMetadata}, and checks the file against the network with ONNX Runtime: the library entry point behind
 * {@code simforge export} and the quickstart's export step.
 */
public final class ModelExport {
    public static final String PRODUCER = "simforge 0.1.0";

    private ModelExport() {}

    public static ModelMetadata metadataFor(Architecture arch, Preprocessing preprocessing, String training) {
        return metadataFor(arch, preprocessing, training, false);
    }

    /**
     * @param uint8Input for image models: the exported graph takes raw 8-bit pixels ({@code pixels_u8}) and
     *     applies the preprocessing itself
     */
    public static ModelMetadata metadataFor(Architecture arch, Preprocessing preprocessing, String training,
            boolean uint8Input) {
        boolean image = arch.inputShape().length == 3;
        if (uint8Input && !image) {
            throw new IllegalArgumentException("8-bit pixel input is for image models; this one takes feature vectors");
        }
        ModelMetadata.InputKind kind = !image ? ModelMetadata.InputKind.VECTOR
                : uint8Input ? ModelMetadata.InputKind.IMAGE_UINT8 : ModelMetadata.InputKind.IMAGE;
        return new ModelMetadata(ModelMetadata.WRITTEN_VERSION, PRODUCER, arch.embeddingSize(), true, kind,
                arch.inputShape(), image ? (arch.inputShape()[0] == 1 ? "GRAY" : "RGB") : "none",
                image ? preprocessing : null, !image ? "features" : uint8Input ? "pixels_u8" : "pixels", "embedding",
                training);
    }

    /**
     * What an export wrote and how closely the file reproduces the network.
     *
     * @param parity ONNX Runtime against DJL on the check inputs, or null when none were given
     */
    public record Result(Path file, ModelMetadata metadata, int opset, ParityCheck.Result parity) {
        /** The record kept beside a run's model ({@code export.json}, written with {@link #SUMMARY}). */
        public Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.getFileName().toString());
            m.put("opset", opset);
            m.put("embedding_size", metadata.embeddingSize());
            if (parity != null) {
                m.put("parity_items", parity.items());
                m.put("parity_max_abs_diff", parity.maxAbsDiff());
            }
            return m;
        }
    }

    /** {@code export.json}: how a run's model was exported. */
    public static final io.simforge.core.format.Format SUMMARY = io.simforge.core.format.Format.of(
            "simforge-export-summary", 1);

    /**
     * Exports {@code network} to {@code onnxFile} and, when {@code checkInputs} are given (preprocessed, row-major),
     * compares ONNX Runtime's embeddings of them with DJL's.
     *
     * @throws IllegalStateException when the exported model differs from the network by more than
     *     {@link ParityCheck#TOLERANCE} (the file is left for inspection)
     */
    public static Result export(EmbeddingNetwork network, Path onnxFile, float[] checkInputs,
            UnaryOperator<OnnxExporter.Builder> options) throws IOException {
        ModelMetadata meta = metadataFor(network.architecture(), network.preprocessing(), network.training());
        OnnxExporter exporter = options.apply(OnnxExporter.builder().setBlock(network.block()).setMetadata(meta)).build();
        exporter.export(onnxFile);
        ParityCheck.Result parity = null;
        if (checkInputs != null) {
            try {
                parity = ParityCheck.compare(network.block(), network.manager(), onnxFile, meta.inputName(), checkInputs,
                        network.architecture().inputShape());
            } catch (ai.onnxruntime.OrtException e) {
                throw new IOException("ONNX Runtime cannot run the exported " + onnxFile + ": " + e.getMessage(), e);
            }
            if (!parity.passed()) {
                throw new IllegalStateException("the exported model differs from the trained one by "
                        + parity.maxAbsDiff() + " (allowed " + ParityCheck.TOLERANCE + "); please report this with the "
                        + "run folder");
            }
        }
        return new Result(onnxFile, meta, exporter.opset(), parity);
    }

    /** Exports a model saved by training ({@link SavedModel}) to {@code onnxFile}. */
    public static ModelMetadata exportSaved(Path modelDir, Path onnxFile, int opset) throws IOException {
        return exportSaved(modelDir, onnxFile, b -> b.optOpset(opset));
    }

    /** As {@link #exportSaved(Path, Path, int)}, with the exporter's options set by {@code options}. */
    public static ModelMetadata exportSaved(Path modelDir, Path onnxFile, UnaryOperator<OnnxExporter.Builder> options)
            throws IOException {
        return exportSaved(modelDir, onnxFile, false, options);
    }

    /** As {@link #exportSaved(Path, Path, UnaryOperator)}; {@code uint8Input} as in {@link #metadataFor}. */
    public static ModelMetadata exportSaved(Path modelDir, Path onnxFile, boolean uint8Input,
            UnaryOperator<OnnxExporter.Builder> options) throws IOException {
        SavedModel.Description d = SavedModel.readDescription(modelDir);
        ModelMetadata metadata = metadataFor(d.architecture(), d.preprocessing(), d.training(), uint8Input);
        try (Model model = SavedModel.load(modelDir)) {
            options.apply(OnnxExporter.builder().setBlock(model.getBlock()).setMetadata(metadata)).build()
                    .export(onnxFile);
        }
        return metadata;
    }
}
