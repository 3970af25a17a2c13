package io.simforge.tests;

import ai.djl.Model;
import io.simforge.core.io.Json;
import io.simforge.core.model.ModelMetadata;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.models.SavedModel;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the golden files that prove old formats keep loading: a saved model, the ONNX file exported from it,
 * and the embeddings both must produce, each named by the version it is written in (so that a run never
 * replaces an older version's files). Run by hand once per new format version, with the tests module's test
 * class path: {@code java -cp <classpath> io.simforge.tests.GoldenFiles <dir>}; then commit the files under
 * {@code tests/src/test/resources/golden} and {@code infer/src/test/resources/golden}. The tests only read them.
 */
public final class GoldenFiles {
    /** A fixed input batch (3 items of 4 features) for the golden checks. */
    static final float[] INPUT = {0.5f, -1f, 2f, 0.25f, -0.75f, 0.1f, 0.3f, -2f, 1f, 1f, 1f, 1f};

    private GoldenFiles() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        Path dir = Path.of(args[0]);
        Architecture arch = Architecture.mlp(new int[] {4}, 2, 3);
        try (Model model = UntrainedNetwork.create(arch, 7)) {
            Path saved = dir.resolve("saved-model-v" + SavedModel.FORMAT_VERSION);
            SavedModel.save(saved, model.getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION, arch, null,
                    "{\"loss\":\"golden\"}"));
            OnnxExporter.builder().setBlock(model.getBlock()).setMetadata(ModelExport.metadataFor(arch, null, "{\"loss\":\"golden\"}"))
                    .build().export(dir.resolve("model-v" + ModelMetadata.WRITTEN_VERSION + ".onnx"));
            float[] out = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), INPUT, arch.inputShape(), 8);
            Json.write(dir.resolve("expected-saved-model-v" + SavedModel.FORMAT_VERSION + ".json"),
                    Map.of("input", INPUT, "embeddings", out));
        }
        System.out.println("golden files written to " + Files.list(dir).toList());
    }
}
