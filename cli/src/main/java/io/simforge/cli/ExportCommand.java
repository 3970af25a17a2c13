package io.simforge.cli;

import io.simforge.core.model.ModelMetadata;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Exports a saved model to ONNX. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a trained model folder (<run>/model) to a standalone ONNX file with its metadata.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "The model folder a training run saved.")
    Path modelDir;

    @Option(names = {"-o", "--output"}, required = true, description = "The .onnx file to write.")
    Path output;

    @Option(names = "--opset", defaultValue = "" + OnnxExporter.DEFAULT_OPSET, description = "ONNX opset, 13-21 (default 17).")
    int opset;

    @Override
    public Integer call() throws Exception {
        ModelMetadata meta = ModelExport.exportSaved(modelDir, output, opset);
        System.out.printf("Wrote %s: %d-d embeddings, input '%s' of shape [batch, %s]%n", output, meta.embeddingSize(),
                meta.inputName(), meta.toMap().get(ModelMetadata.KEY_INPUT_SHAPE).replace(",", ", "));
        return 0;
    }
}
