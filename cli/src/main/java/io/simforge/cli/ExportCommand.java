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

    @Option(names = {"-o", "--out", "--output"}, required = true, description = "The .onnx file to write.")
    Path output;

    @Option(converter = Ranges.Positive.class, names = "--opset", defaultValue = "" + OnnxExporter.DEFAULT_OPSET, description = "ONNX opset, 13-21 (default 17).")
    int opset;

    @Option(names = "--fold-batchnorm", description = "Fold BatchNorm into the preceding convolution or linear layer.")
    boolean foldBatchNorm;

    @Option(names = "--fp16", description = "Store the weights as float16 (half the size); inputs, outputs and the "
            + "computation stay float32.")
    boolean fp16;

    @Option(names = "--uint8-input", description = "Image models: the graph takes raw 8-bit pixels (input 'pixels_u8', "
            + "NCHW uint8) and normalises them itself, so an app only decodes and resizes.")
    boolean uint8Input;

    @Option(names = "--weights", defaultValue = "auto", description = "auto (in the file unless over ~1.8 GB), inline, "
            + "or external (in <output>.data beside it).")
    String weights;

    @Override
    public Integer call() throws Exception {
        OnnxExporter.WeightStorage storage = OnnxExporter.WeightStorage.valueOf(weights.toUpperCase(java.util.Locale.ROOT));
        ModelMetadata meta = ModelExport.exportSaved(modelDir, output, uint8Input, b -> b.optOpset(opset)
                .optFoldBatchNorm(foldBatchNorm).optFloat16Weights(fp16).optWeightStorage(storage));
        System.out.printf("Wrote %s: %d-d embeddings, input '%s' of shape [batch, %s]%n", output, meta.embeddingSize(),
                meta.inputName(), meta.toMap().get(ModelMetadata.KEY_INPUT_SHAPE).replace(",", ", "));
        System.out.println("Check it with: simforge verify " + output + " --source " + modelDir);
        return 0;
    }
}
