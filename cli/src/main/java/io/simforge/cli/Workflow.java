package io.simforge.cli;

import com.google.gson.JsonObject;
import io.simforge.core.data.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.core.io.ProgressBar;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
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

    Workflow(PrintStream out) {
        this.out = out;
    }

    /** Trains with a progress bar, saves the model under {@code runDir/model}, returns it (caller closes). */
    TrainedModel trainAndSave(TrainConfig config, ImageDataset data, Preprocessing pre, String dataName, Path runDir)
            throws IOException {
        config.validate();
        Json.write(runDir.resolve("config.json"), config);
        out.printf(Locale.ROOT, "Training %s (%d-d) with %s on %s: %d images, %d classes, %d iterations of %d×%d%n",
                config.architecture, config.embeddingSize, lossName(config), dataName, data.size(), data.classes().size(),
                config.iterations, config.batchSize / config.samplesPerClass, config.samplesPerClass);
        TrainedModel model;
        try (ProgressBar bar = new ProgressBar(out, "train", config.iterations, "it")) {
            model = EmbeddingTrainer.train(config, data, pre,
                    (it, total, loss) -> bar.update(it, String.format(Locale.ROOT, "loss %.4f", loss)));
        }
        out.printf(Locale.ROOT, "Trained in %.1f s (%.1f images/s)%n", model.seconds(),
                config.iterations * (double) config.batchSize / model.seconds());
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

    static String trainingSummary(TrainConfig c, String dataName) {
        JsonObject o = new JsonObject();
        o.addProperty("loss", c.loss);
        o.addProperty("embedding_expansion", c.ee ? Integer.toString(c.eeSyntheticPoints) : "off");
        o.addProperty("architecture", c.architecture);
        o.addProperty("dataset", dataName);
        o.addProperty("iterations", c.iterations);
        o.addProperty("batch", c.batchSize / c.samplesPerClass + "x" + c.samplesPerClass);
        return o.toString();
    }

    /** Exports the trained model to {@code file} and checks it against DJL on {@code checkImages}. */
    ParityCheck.Result exportAndCheck(TrainedModel model, String training, Path file, int opset, ImageDataset checkImages)
            throws Exception {
        ModelMetadata meta = ModelExport.metadataFor(model.architecture(), model.preprocessing(), training);
        OnnxExporter.builder().setBlock(model.model().getBlock()).setMetadata(meta).optOpset(opset).build().export(file);
        float[] inputs = model.preprocessing().inputs(checkImages);
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

    void printRecall(String title, Map<Integer, Double> recall) {
        StringBuilder sb = new StringBuilder(title);
        recall.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  R@%d %.4f", k, v)));
        out.println(sb);
    }

    static Map<String, Object> recallJson(Map<Integer, Double> recall) {
        Map<String, Object> m = new LinkedHashMap<>();
        recall.forEach((k, v) -> m.put("recall@" + k, v));
        return m;
    }

    /** Recall@K of an untrained network of the same architecture and initialiser: what training adds. */
    static Map<Integer, Double> untrainedBaseline(io.simforge.models.Architecture arch, long seed, ImageDataset data,
            Preprocessing pre) {
        try (ai.djl.Model model = EmbeddingTrainer.untrained(arch, seed)) {
            float[] e = io.simforge.models.DjlEmbedder.embed(model.getBlock(), model.getNDManager(), pre.inputs(data),
                    arch.inputShape(), 256);
            return RetrievalMetrics.recallAtK(e, arch.embeddingSize(), data.labels(), RECALL_KS);
        }
    }

    /** Recall@K of the raw preprocessed pixels (L2-normalised): the baseline any model must beat. */
    static Map<Integer, Double> pixelBaseline(ImageDataset data, Preprocessing pre) {
        float[] x = pre.inputs(data);
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
        return RetrievalMetrics.recallAtK(x, dim, data.labels(), RECALL_KS);
    }
}
