package io.simforge.pipeline;

import io.simforge.core.run.RunFolder;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import io.simforge.eval.Baseline;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import io.simforge.train.TrainConfig;
import io.simforge.train.UntrainedNetwork;

/** The ONNX model of a path a user gave: an {@code .onnx} file, or a run folder (exported first when it has none). */
public final class RunModels {
    private RunModels() {}

    /** The model and whether it was exported just now. */
    public record Resolved(Path onnx, boolean exported) {}

    /**
     * @param modelOrRun an {@code .onnx} file, or a run folder holding {@code model.onnx} or a trained {@code model/}
     * @throws IOException when a run folder has neither
     */
    public static Resolved onnx(Path modelOrRun) throws IOException {
        if (!Files.isDirectory(modelOrRun)) {
            return new Resolved(modelOrRun, false);
        }
        RunFolder run = new RunFolder(modelOrRun);
        if (Files.isRegularFile(run.onnxModel())) {
            return new Resolved(run.onnxModel(), false);
        }
        if (!run.hasTrainedModel()) {
            throw new IOException("run folder " + modelOrRun + " has neither model.onnx nor a trained model/ folder");
        }
        // A training run: export it first, as `simforge export RUN/model -o RUN/model.onnx` would.
        ModelExport.exportSaved(run.model(), run.onnxModel(), OnnxExporter.DEFAULT_OPSET);
        return new Resolved(run.onnxModel(), true);
    }

    /**
     * The baselines a trained model must beat, on the inputs it is evaluated on: the raw inputs (pixels)
     * L2-normalised, and — when {@code modelOrRun} is a training run — the same network untrained, initialised as
     * that run initialised it (its architecture and seed).
     */
    public static Map<String, Baseline> baselines(Path modelOrRun) throws IOException {
        Map<String, Baseline> b = new LinkedHashMap<>();
        RunFolder run = new RunFolder(modelOrRun);
        if (Files.isDirectory(modelOrRun) && run.hasTrainedModel() && Files.isRegularFile(run.config())) {
            Architecture arch = SavedModel.readDescription(run.model()).architecture();
            long seed = TrainConfig.fromJson(Files.readString(run.config()), run.config().toString()).seed();
            b.put("untrained network", (inputs, n) -> UntrainedNetwork.embed(arch, seed, inputs));
        }
        b.put("raw pixels", Baseline.rawInputs());
        return b;
    }
}
