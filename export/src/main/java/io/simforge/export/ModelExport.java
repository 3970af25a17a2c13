package io.simforge.export;

import ai.djl.Model;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Builds the {@link ModelMetadata} of a trained model and exports saved models in one call. */
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
        return new ModelMetadata(ModelMetadata.FORMAT.version(), PRODUCER, arch.embeddingSize(), true, kind,
                arch.inputShape(), image ? (arch.inputShape()[0] == 1 ? "GRAY" : "RGB") : "none",
                image ? preprocessing : null, !image ? "features" : uint8Input ? "pixels_u8" : "pixels", "embedding",
                training);
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
