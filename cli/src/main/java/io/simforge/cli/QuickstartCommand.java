package io.simforge.cli;

import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.eval.EmbeddingMetrics;
import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.EvalSource;
import io.simforge.core.run.RunFiles;
import io.simforge.export.OnnxExporter;
import io.simforge.export.ParityCheck;
import io.simforge.train.EmbeddingTrainer;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The main job on the bundled data: train on classes 0–4, export, embed unseen classes 5–9, report Recall@K. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train a ConvNet with the Multi-Similarity loss on Fashion-MNIST classes 0-4 (bundled), export it "
                + "to ONNX, embed the unseen classes 5-9 with ONNX Runtime, print all metrics and write an HTML report.")
final class QuickstartCommand implements Callable<Integer> {
    static final List<Integer> TRAIN_CLASSES = List.of(0, 1, 2, 3, 4);
    static final List<Integer> TEST_CLASSES = List.of(5, 6, 7, 8, 9);
    static final int VALIDATE_EVERY = 100;
    static final int VALIDATION_PER_CLASS = 200;

    @Option(names = "--iterations", defaultValue = "600", description = "Training iterations (default 600).")
    int iterations;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default 42).")
    long seed;

    @Option(names = {"-o", "--out"}, description = "Run folder (default runs/quickstart-<timestamp>).")
    Path out;

    @Mixin
    LossOptions lossOptions;

    @Option(names = "--holdout", defaultValue = "0",
            description = "Keep the last N images of each training class out of training and also report Recall@K "
                    + "on them (seen classes, unseen images). Default 0: train on all 1000 per class.")
    int holdout;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path run = Runs.create(out, "quickstart");
        Workflow flow = new Workflow(System.out);
        ImageDataset all = io.simforge.datasets.FashionMnist.bundledTestSplit();
        ImageDataset seen = all.withClasses(TRAIN_CLASSES);
        if (holdout < 0 || holdout >= 1000) {
            throw new IllegalArgumentException("--holdout must be between 0 and 999 images per class, got " + holdout);
        }
        ImageDataset train = holdout == 0 ? seen : seen.firstPerClass(1000 - holdout);
        ImageDataset heldOut = holdout == 0 ? null : seen.lastPerClass(holdout);
        ImageDataset test = all.withClasses(TEST_CLASSES);
        Preprocessing pre = Preprocessing.fashionMnist();
        TrainConfig config = new TrainConfig();
        config.iterations = iterations;
        config.seed = seed;
        lossOptions.applyTo(config);
        config.validate();
        String dataName = "Fashion-MNIST t10k classes 0-4 (bundled)" + (holdout == 0 ? "" : ", first "
                + (1000 - holdout) + " images per class");

        RunFiles files = new RunFiles(run);
        Path onnx = files.onnxModel();
        ParityCheck.Result parity;
        double trainSeconds;
        io.simforge.models.Architecture architecture;
        // Watched while training, never used to choose a model: Recall@1 and MAP@R on the unseen classes.
        EmbeddingTrainer.Validation validation = EmbeddingTrainer.Validation.of(test.firstPerClass(VALIDATION_PER_CLASS),
                pre, VALIDATE_EVERY);
        try (TrainedModel model = flow.trainAndSave(config, train, pre, dataName, run, validation)) {
            trainSeconds = model.seconds();
            architecture = model.architecture();
            parity = flow.exportAndCheck(model, flow.trainingSummary(config, dataName), onnx,
                    OnnxExporter.DEFAULT_OPSET, test.firstPerClass(50));
        }
        Workflow.Embedded embedded = flow.embed(onnx, test);
        Map<String, Double> learned = EmbeddingMetrics.all(embedded.vectors(), embedded.dim(), test.labels(),
                Workflow.RECALL_KS, seed);
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        Workflow.Embedded untrained = Workflow.untrainedEmbeddings(architecture, seed, test, pre);
        baselines.put("untrained network", EmbeddingMetrics.all(untrained.vectors(), untrained.dim(), test.labels(),
                Workflow.RECALL_KS, seed));
        Workflow.Embedded pixels = Workflow.pixelVectors(test, pre);
        baselines.put("raw pixels", EmbeddingMetrics.all(pixels.vectors(), pixels.dim(), test.labels(), Workflow.RECALL_KS,
                seed));
        System.out.println("Unseen classes 5-9 (" + test.size() + " images), embedded with ONNX Runtime:");
        Map<String, Map<String, Double>> columns = new LinkedHashMap<>();
        columns.put("learned", learned);
        columns.putAll(baselines);
        flow.printMetrics(columns);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("format_version", Reports.METRICS_FORMAT_VERSION);
        metrics.put("protocol", "train on Fashion-MNIST t10k classes 0-4, evaluate on classes 5-9 (never seen), "
                + "each item a query against all others");
        metrics.put("loss", Workflow.lossName(config));
        metrics.put("validation", "Recall@1 and MAP@R every " + VALIDATE_EVERY + " iterations on the first "
                + VALIDATION_PER_CLASS + " images of each unseen class 5-9, watched only (no model selection)");
        metrics.put("test_items", test.size());
        metrics.put("learned", learned);
        metrics.put("baselines", baselines);
        if (heldOut != null) {
            Map<Integer, Double> heldRecall = flow.evaluate(onnx, heldOut);
            Map<Integer, Double> heldUntrained = Workflow.untrainedBaseline(architecture, seed, heldOut, pre);
            System.out.println("Held-out images of the training classes 0-4 (" + heldOut.size() + " images), Recall@K:");
            flow.printRecall("  learned embeddings (ONNX Runtime):", heldRecall);
            flow.printRecall("  untrained network, same init:     ", heldUntrained);
            metrics.put("held_out_seen_classes", Map.of("items", heldOut.size(), "learned", Workflow.recallJson(heldRecall),
                    "untrained_network_baseline", Workflow.recallJson(heldUntrained)));
        }
        metrics.put("parity_max_abs_diff", parity.maxAbsDiff());
        metrics.put("train_seconds", trainSeconds);
        Workflow.saveEvaluation(files, embedded, test.labels(), EvalSource.of("bundled", "t10k", TEST_CLASSES,
                classNames()));
        metrics.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        Json.write(files.metrics(), metrics);
        Path report = Reports.write(run, null, seed);
        System.out.printf(Locale.ROOT, "Run folder: %s (model.onnx, model/, config.json, train-log.jsonl, metrics.json, "
                + "eval/); total %.1f s%n", run, (System.nanoTime() - t0) / 1e9);
        System.out.println("Report: " + report.toAbsolutePath().normalize().toUri());
        return 0;
    }

    static Map<Integer, String> classNames() {
        Map<Integer, String> names = new LinkedHashMap<>();
        for (int c = 0; c < io.simforge.datasets.FashionMnist.CLASS_NAMES.size(); c++) {
            names.put(c, io.simforge.datasets.FashionMnist.CLASS_NAMES.get(c));
        }
        return names;
    }
}
