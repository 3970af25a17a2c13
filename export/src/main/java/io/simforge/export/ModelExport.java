package io.simforge.export;

import ai.djl.Model;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.nio.file.Path;

/** Builds the {@link ModelMetadata} of a trained model and exports saved models in one call. */
public final class ModelExport {
    public static final String PRODUCER = "simforge 0.1.0";

    private ModelExport() {}

    public static ModelMetadata metadataFor(Architecture arch, Preprocessing preprocessing, String training) {
        boolean image = arch.inputShape().length == 3;
        return new ModelMetadata(ModelMetadata.FORMAT_VERSION, PRODUCER, arch.embeddingSize(), true,
                image ? ModelMetadata.InputKind.IMAGE : ModelMetadata.InputKind.VECTOR, arch.inputShape(),
                image ? (arch.inputShape()[0] == 1 ? "GRAY" : "RGB") : "none", image ? preprocessing : null,
                image ? "pixels" : "features", "embedding", training);
    }

    /** Exports a model saved by training ({@link SavedModel}) to {@code onnxFile}. */
    public static ModelMetadata exportSaved(Path modelDir, Path onnxFile, int opset) throws IOException {
        SavedModel.Description d = SavedModel.readDescription(modelDir);
        ModelMetadata metadata = metadataFor(d.architecture(), d.preprocessing(), d.training());
        try (Model model = SavedModel.load(modelDir)) {
            OnnxExporter.builder().setBlock(model.getBlock()).setMetadata(metadata).optOpset(opset).build()
                    .export(onnxFile);
        }
        return metadata;
    }
}
