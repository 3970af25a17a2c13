package io.simforge.cli;

import io.simforge.core.data.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.OnnxExporter;
import io.simforge.export.ParityCheck;
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
                + "to ONNX, embed the unseen classes 5-9 with ONNX Runtime and print Recall@1/2/4/8.")
final class QuickstartCommand implements Callable<Integer> {
    static final List<Integer> TRAIN_CLASSES = List.of(0, 1, 2, 3, 4);
    static final List<Integer> TEST_CLASSES = List.of(5, 6, 7, 8, 9);

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
        ImageDataset all = io.simforge.core.data.FashionMnist.bundledTestSplit();
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

        Path onnx = run.resolve("model.onnx");
        ParityCheck.Result parity;
        double trainSeconds;
        io.simforge.models.Architecture architecture;
        try (TrainedModel model = flow.trainAndSave(config, train, pre, dataName, run)) {
            trainSeconds = model.seconds();
            architecture = model.architecture();
            parity = flow.exportAndCheck(model, Workflow.trainingSummary(config, dataName), onnx,
                    OnnxExporter.DEFAULT_OPSET, test.firstPerClass(50));
        }
        Map<Integer, Double> recall = flow.evaluate(onnx, test);
        Map<Integer, Double> untrained = Workflow.untrainedBaseline(architecture, seed, test, pre);
        Map<Integer, Double> baseline = Workflow.pixelBaseline(test, pre);
        System.out.println("Unseen classes 5-9 (" + test.size() + " images), Recall@K:");
        flow.printRecall("  learned embeddings (ONNX Runtime):", recall);
        flow.printRecall("  untrained network, same init:     ", untrained);
        flow.printRecall("  raw pixels, L2-normalised:        ", baseline);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("protocol", "train on Fashion-MNIST t10k classes 0-4, evaluate on classes 5-9 (never seen), "
                + "each item a query against all others");
        metrics.put("loss", Workflow.lossName(config));
        metrics.put("test_items", test.size());
        metrics.put("learned", Workflow.recallJson(recall));
        metrics.put("untrained_network_baseline", Workflow.recallJson(untrained));
        if (heldOut != null) {
            Map<Integer, Double> heldRecall = flow.evaluate(onnx, heldOut);
            Map<Integer, Double> heldUntrained = Workflow.untrainedBaseline(architecture, seed, heldOut, pre);
            System.out.println("Held-out images of the training classes 0-4 (" + heldOut.size() + " images), Recall@K:");
            flow.printRecall("  learned embeddings (ONNX Runtime):", heldRecall);
            flow.printRecall("  untrained network, same init:     ", heldUntrained);
            metrics.put("held_out_seen_classes", Map.of("items", heldOut.size(), "learned", Workflow.recallJson(heldRecall),
                    "untrained_network_baseline", Workflow.recallJson(heldUntrained)));
        }
        metrics.put("raw_pixels_baseline", Workflow.recallJson(baseline));
        metrics.put("parity_max_abs_diff", parity.maxAbsDiff());
        metrics.put("train_seconds", trainSeconds);
        metrics.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        Json.write(run.resolve("metrics.json"), metrics);
        System.out.printf(Locale.ROOT, "Run folder: %s (model.onnx, model/, config.json, metrics.json); total %.1f s%n",
                run, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
