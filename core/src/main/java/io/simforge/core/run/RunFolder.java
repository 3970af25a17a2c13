package io.simforge.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A run folder and every file simforge keeps in it, by name: the one place that knows the layout, so that the
 * step that writes a file and the steps that read it (resume, export, evaluation, the report) agree. A run
 * need not hold all of them: an evaluation has no training log, a training run no metrics until evaluated.
 *
 * <pre>
 * config.json        training settings (TrainConfig)         train-input.json  the data a run was started on
 * train-log.jsonl    loss per iteration, validations         training.json     what the training did (summary)
 * model/             the trained network (SavedModel)        model-best/       the best-validated one, when not the last
 * checkpoint/        weights + optimiser state, to resume    best/             weights of the best validation so far
 * model.onnx         the exported model                      export.json       how it was exported, parity with DJL
 * metrics.json       an evaluation's metrics                 eval/             its embeddings, labels, image source
 * report.html        the HTML report
 * </pre>
 */
public record RunFolder(Path dir) {
    public RunFolder {
        if (dir == null) {
            throw new IllegalArgumentException("a run folder needs a path");
        }
    }

    /**
     * A folder for a new run: {@code requested}, or {@code runs/<prefix>-<timestamp>} when null. It is not
     * created: steps create it when they first write, so a run refused before its first step leaves nothing.
     */
    public static RunFolder at(Path requested, String prefix) {
        return new RunFolder(requested != null ? requested : Path.of("runs",
                prefix + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    }

    /** An existing run folder. */
    public static RunFolder existing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("run folder not found: " + dir);
        }
        return new RunFolder(dir);
    }

    /** Creates the folder (and its parents) if needed; returns this. */
    public RunFolder create() throws IOException {
        Files.createDirectories(dir);
        return this;
    }

    public boolean exists() {
        return Files.isDirectory(dir);
    }

    /** The training settings. */
    public Path config() {
        return dir.resolve("config.json");
    }

    /** The data a training run was started on, so that resuming needs nothing else. */
    public Path trainingInput() {
        return dir.resolve("train-input.json");
    }

    /** Per-iteration loss and periodic validation, JSON lines ({@link TrainingLog}). */
    public Path trainingLog() {
        return dir.resolve("train-log.jsonl");
    }

    /** What a finished (or early-stopped) training did: iterations, time, best validation. */
    public Path trainingSummary() {
        return dir.resolve("training.json");
    }

    /** The trained network, a saved-model folder. */
    public Path model() {
        return dir.resolve("model");
    }

    /** The network of the best validation Recall@1, kept when it is not the last one. */
    public Path bestModel() {
        return dir.resolve("model-best");
    }

    /** The checkpoint a run resumes from. */
    public Path checkpoint() {
        return dir.resolve("checkpoint");
    }

    /** The weights with the best validation so far, while training. */
    public Path bestCheckpoint() {
        return dir.resolve("best");
    }

    public Path onnxModel() {
        return dir.resolve("model.onnx");
    }

    /** How the ONNX model was exported and how closely it matches the trained network. */
    public Path exportSummary() {
        return dir.resolve("export.json");
    }

    public Path metrics() {
        return dir.resolve("metrics.json");
    }

    /** Where an evaluation keeps its embeddings (and, for query/gallery benchmarks, one sub-folder each). */
    public Path evalDir() {
        return dir.resolve("eval");
    }

    /** Test-set embeddings of the evaluated model, {@code n × dim} float32 (NumPy). */
    public Path embeddings() {
        return evalDir().resolve("embeddings.npy");
    }

    /** Their labels, int32 (NumPy). */
    public Path labels() {
        return evalDir().resolve("labels.npy");
    }

    /** Where the evaluated images came from, so a report can show them. */
    public Path evalSource() {
        return evalDir().resolve("source.json");
    }

    public Path report() {
        return dir.resolve("report.html");
    }

    /** Whether a training run finished here (a saved model exists). */
    public boolean hasTrainedModel() {
        return Files.isRegularFile(model().resolve("simforge-model.json"));
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
