package io.simforge.core.run;

import java.nio.file.Path;

/**
 * The files of a run folder, by name, so that the commands that write them and the report that reads
 * them agree. A run need not hold all of them: a run of {@code simforge eval} has no training log.
 */
public record RunFiles(Path dir) {
    public Path config() {
        return dir.resolve("config.json");
    }

    /** Per-iteration loss and periodic validation, JSON lines ({@link TrainingLog}). */
    public Path trainingLog() {
        return dir.resolve("train-log.jsonl");
    }

    public Path metrics() {
        return dir.resolve("metrics.json");
    }

    public Path onnxModel() {
        return dir.resolve("model.onnx");
    }

    /** Test-set embeddings of the evaluated model, {@code n × dim} float32 (NumPy). */
    public Path embeddings() {
        return dir.resolve("eval").resolve("embeddings.npy");
    }

    /** Their labels, int32 (NumPy). */
    public Path labels() {
        return dir.resolve("eval").resolve("labels.npy");
    }

    /** Where the evaluated images came from, so a report can show them ({@link EvalSource}). */
    public Path evalSource() {
        return dir.resolve("eval").resolve("source.json");
    }

    public Path report() {
        return dir.resolve("report.html");
    }
}
