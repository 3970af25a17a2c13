package io.simforge.cli;

import com.google.gson.JsonObject;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.core.io.Npy;
import io.simforge.datasets.EvalSource;
import io.simforge.cli.ProgressBar;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.core.run.RunFiles;
import io.simforge.core.run.TrainingLog;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.export.ParityCheck;
import io.simforge.infer.Embedder;
import io.simforge.models.SavedModel;
import io.simforge.train.EmbeddingTrainer;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The steps the commands share: train and save, export and check, embed and evaluate. */
final class Workflow {
    static final int[] RECALL_KS = {1, 2, 4, 8};
    private final PrintStream out;
    /** The last validation of the last training run, recorded in the training summary an export carries. */
    private Map<String, Double> lastValidation;

    Workflow(PrintStream out) {
        this.out = out;
    }

    /**
     * Trains with a progress bar, logging every iteration (and each validation, when {@code validation} is
     * given) to the run's training log; saves the model under {@code runDir/model}; returns it (caller closes).
     */
    TrainedModel trainAndSave(TrainConfig config, ImageDataset data, Preprocessing pre, String dataName, Path runDir,
            EmbeddingTrainer.Validation validation) throws IOException {
        return trainAndSave(config, data, pre, dataName, runDir, validation, false);
    }

    /** As above; with {@code resume}, continues the run in {@code runDir} from its latest checkpoint. */
    TrainedModel trainAndSave(TrainConfig config, ImageDataset data, Preprocessing pre, String dataName, Path runDir,
            EmbeddingTrainer.Validation validation, boolean resume) throws IOException {
        return trainAndSave(config, io.simforge.train.TrainingImages.of(data, pre), pre, dataName, runDir, validation,
                resume);
    }

    /** As above, from any training images (image files are decoded and augmented as they are drawn). */
    TrainedModel trainAndSave(TrainConfig config, io.simforge.train.TrainingImages data, Preprocessing pre,
            String dataName, Path runDir, EmbeddingTrainer.Validation validation, boolean resume) throws IOException {
        config.validate();
        RunFiles files = new RunFiles(runDir);
        Json.write(files.config(), config);
        out.printf(Locale.ROOT, "Training %s (%d-d) with %s on %s: %d images, %d classes, %d iterations of %d×%d%n",
                config.architecture, config.embeddingSize, lossName(config), dataName, data.size(),
                java.util.Arrays.stream(data.labels()).distinct().count(),
                config.iterations, config.batchSize / config.samplesPerClass, config.samplesPerClass);
        TrainedModel model;
        long start = System.nanoTime();
        try (ProgressBar bar = new ProgressBar(out, "train", config.iterations, "it");
                TrainingLog log = resume ? TrainingLog.append(files.trainingLog()) : TrainingLog.create(files.trainingLog())) {
            model = EmbeddingTrainer.train(config, data, pre, validation, new EmbeddingTrainer.Listener() {
                String last = "";

                @Override
                public void onIteration(int it, int total, float loss) {
                    try {
                        log.iteration(it, loss, (System.nanoTime() - start) / 1e9);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    bar.update(it, String.format(Locale.ROOT, "loss %.4f", loss) + last);
                }

                @Override
                public void onValidation(int it, Map<String, Double> metrics) {
                    try {
                        log.validation(it, metrics);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    last = String.format(Locale.ROOT, ", val R@1 %.3f", metrics.get("recall@1"));
                    lastValidation = metrics;
                }
            }, runDir, resume);
        }
        out.printf(Locale.ROOT, "Trained in %.1f s (%.1f images/s)%n", model.seconds(),
                model.losses().size() * (double) config.batchSize / model.seconds());
        SavedModel.save(runDir.resolve("model"), model.model().getBlock(),
                new SavedModel.Description(SavedModel.FORMAT_VERSION, model.architecture(), pre,
                        trainingSummary(config, dataName)));
        return model;
    }

    static String lossName(TrainConfig c) {
        String base = switch (c.loss) {
            case "ms" -> "Multi-Similarity loss" + (c.msMining ? "" : " (no mining)");
            case "triplet" -> "batch-hard triplet loss" + (c.tripletSoftMargin ? " (soft margin)" : "");
            case "lifted" -> "lifted structure loss";
            case "npair" -> "N-pair loss";
            case "contrastive" -> "contrastive loss";
            default -> c.loss;
        };
        return c.ee ? base + " + Embedding Expansion (n=" + c.eeSyntheticPoints + ")" : base;
    }

    /** The training summary for the model's metadata, with the last validation metrics when there were any. */
    String trainingSummary(TrainConfig c, String dataName) {
        JsonObject o = new JsonObject();
        o.addProperty("loss", c.loss);
        o.addProperty("embedding_expansion", c.ee ? Integer.toString(c.eeSyntheticPoints) : "off");
        o.addProperty("architecture", c.architecture);
        o.addProperty("dataset", dataName);
        o.addProperty("iterations", c.iterations);
        o.addProperty("batch", c.batchSize / c.samplesPerClass + "x" + c.samplesPerClass);
        if (lastValidation != null) {
            JsonObject v = new JsonObject();
            lastValidation.forEach((k, value) -> v.addProperty(k, Math.round(value * 10000) / 10000.0));
            o.add("validation_at_export", v);
        }
        return o.toString();
    }

    /** Exports the trained model to {@code file} and checks it against DJL on {@code checkImages}. */
    ParityCheck.Result exportAndCheck(TrainedModel model, String training, Path file, int opset, ImageDataset checkImages)
            throws Exception {
        ModelMetadata meta = ModelExport.metadataFor(model.architecture(), model.preprocessing(), training);
        OnnxExporter.builder().setBlock(model.model().getBlock()).setMetadata(meta).optOpset(opset).build().export(file);
        float[] inputs = checkImages.inputs(model.preprocessing());
        ParityCheck.Result parity = ParityCheck.compare(model.model().getBlock(), model.model().getNDManager(), file,
                meta.inputName(), inputs, model.architecture().inputShape());
        out.printf(Locale.ROOT, "Exported %s (opset %d); ONNX Runtime vs DJL on %d images: max |diff| = %.2e (%s)%n",
                file, opset, parity.items(), parity.maxAbsDiff(), parity.passed() ? "ok" : "FAILED");
        if (!parity.passed()) {
            throw new IllegalStateException("the exported model differs from the trained one by " + parity.maxAbsDiff()
                    + " (allowed " + ParityCheck.TOLERANCE + "); please report this with the run folder");
        }
        return parity;
    }

    /** Embeddings of a dataset, row-major. */
    record Embedded(float[] vectors, int dim) {}

    /** Embeds {@code data} with the ONNX model (ONNX Runtime alone), reporting the throughput. */
    Embedded embed(Path onnx, ImageDataset data) {
        long t0 = System.nanoTime();
        Embedded e;
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).build()) {
            e = new Embedded(embedder.embed(data), embedder.embeddingSize());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "Embedded %d images with ONNX Runtime in %.1f s (%.0f images/s)%n", data.size(), seconds,
                data.size() / seconds);
        return e;
    }

    /** Embeds {@code data} with the ONNX model and returns Recall@K by exact leave-one-out search. */
    Map<Integer, Double> evaluate(Path onnx, ImageDataset data) {
        Embedded e = embed(onnx, data);
        return RetrievalMetrics.recallAtK(e.vectors(), e.dim(), data.labels(), RECALL_KS);
    }

    /**
     * Keeps what a report needs of an evaluation: the embeddings and labels as NumPy files and, when the items
     * are images, where they came from.
     */
    static void saveEvaluation(RunFiles files, Embedded e, int[] labels, EvalSource source) throws IOException {
        Npy.writeFloats(files.embeddings(), e.vectors(), labels.length, e.dim());
        Npy.writeInts(files.labels(), labels);
        if (source != null) {
            source.write(files.evalSource());
        } else {
            java.nio.file.Files.deleteIfExists(files.evalSource());
        }
    }

    /** Prints metrics as an aligned table, one row per metric, one column per set of values. */
    void printMetrics(Map<String, Map<String, Double>> columns) {
        java.util.List<String> names = new java.util.ArrayList<>();
        columns.values().forEach(m -> m.keySet().forEach(k -> {
            if (!names.contains(k)) {
                names.add(k);
            }
        }));
        int w = Math.max(10, columns.keySet().stream().mapToInt(String::length).max().orElse(0));
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-13s", "metric"));
        columns.keySet().forEach(c -> head.append(String.format(Locale.ROOT, "  %" + w + "s", c)));
        out.println(head);
        for (String name : names) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-13s", name));
            for (Map<String, Double> column : columns.values()) {
                Double v = column.get(name);
                row.append(v == null ? String.format(Locale.ROOT, "  %" + w + "s", "")
                        : String.format(Locale.ROOT, "  %" + w + ".4f", v));
            }
            out.println(row);
        }
    }

    void printRecall(String title, Map<Integer, Double> recall) {
        StringBuilder sb = new StringBuilder(title);
        recall.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  R@%d %.4f", k, v)));
        out.println(sb);
    }

    static Map<String, Double> recallJson(Map<Integer, Double> recall) {
        Map<String, Double> m = new LinkedHashMap<>();
        recall.forEach((k, v) -> m.put("recall@" + k, v));
        return m;
    }

    /** Recall@K of an untrained network of the same architecture and initialiser: what training adds. */
    static Map<Integer, Double> untrainedBaseline(io.simforge.models.Architecture arch, long seed, ImageDataset data,
            Preprocessing pre) {
        Embedded e = untrainedEmbeddings(arch, seed, data, pre);
        return RetrievalMetrics.recallAtK(e.vectors(), e.dim(), data.labels(), RECALL_KS);
    }

    /** Embeddings of an untrained network of the same architecture and initialiser. */
    static Embedded untrainedEmbeddings(io.simforge.models.Architecture arch, long seed, ImageDataset data,
            Preprocessing pre) {
        try (ai.djl.Model model = EmbeddingTrainer.untrained(arch, seed)) {
            return new Embedded(io.simforge.models.DjlEmbedder.embed(model.getBlock(), model.getNDManager(),
                    data.inputs(pre), arch.inputShape(), 256), arch.embeddingSize());
        }
    }

    /** The preprocessed pixels of each image, L2-normalised. */
    static Embedded pixelVectors(ImageDataset data, Preprocessing pre) {
        float[] x = data.inputs(pre);
        int dim = data.imageSize();
        for (int r = 0; r < data.size(); r++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                norm += (double) x[r * dim + d] * x[r * dim + d];
            }
            float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
            for (int d = 0; d < dim; d++) {
                x[r * dim + d] *= inv;
            }
        }
        return new Embedded(x, dim);
    }
}
