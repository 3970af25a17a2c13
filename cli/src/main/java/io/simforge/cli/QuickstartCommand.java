package io.simforge.cli;

import io.simforge.core.run.RunFolder;
import io.simforge.pipeline.Quickstart;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The main job on the bundled data ({@link Quickstart}). */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train a ConvNet with the Multi-Similarity loss (or --loss) on Fashion-MNIST classes 0-4 (bundled), "
                + "export it to ONNX, embed the unseen classes 5-9 with ONNX Runtime, print all metrics and write an HTML "
                + "report.")
final class QuickstartCommand implements Callable<Integer> {
    @Option(converter = Ranges.Positive.class, names = "--iterations", defaultValue = "600", description = "Training iterations (default 600).")
    int iterations;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default 42).")
    long seed;

    @Option(names = {"-o", "--out"}, description = "Run folder (default runs/quickstart-<timestamp>).")
    Path out;

    @Mixin
    LossOptions lossOptions;

    @Option(converter = Ranges.NonNegative.class, names = "--holdout", defaultValue = "0", description = "Keep the last N images of each training class out "
            + "of training and also report Recall@K on them (seen classes, unseen images). Default 0: train on all "
            + "1000 per class.")
    int holdout;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        TrainCommand.ProgressPrinter progress = new TrainCommand.ProgressPrinter();
        Quickstart.Builder b = Quickstart.builder().optIterations(iterations).optSeed(seed).optHoldout(holdout)
                .optRunFolder(RunFolder.at(out, "quickstart")).optListener(progress);
        if (lossOptions.loss != null) {
            b.optLoss(lossOptions.loss);
        }
        if (lossOptions.ee != null || lossOptions.eePoints != null) {
            b.optEmbeddingExpansion(lossOptions.ee == null || lossOptions.ee,
                    lossOptions.eePoints != null ? lossOptions.eePoints : 2);
        }
        if (lossOptions.xbm != null || lossOptions.xbmWarmup != null) {
            b.optCrossBatchMemory(lossOptions.xbm != null ? lossOptions.xbm : 0,
                    lossOptions.xbmWarmup != null ? lossOptions.xbmWarmup : 0);
        }
        Quickstart.Result r;
        try {
            r = b.build().run();
        } finally {
            progress.close();
        }
        System.out.printf(Locale.ROOT, "Trained in %.1f s (%.1f images/s)%n", r.trainSeconds(),
                iterations * (double) r.plan().classesPerBatch() * r.plan().samplesPerClass() / r.trainSeconds());
        System.out.printf(Locale.ROOT, "Exported %s (opset %d); ONNX Runtime vs DJL on %d images: max |diff| = %.2e (%s)%n",
                r.export().file(), r.export().opset(), r.export().parity().items(), r.export().parity().maxAbsDiff(),
                r.export().parity().passed() ? "ok" : "FAILED");
        System.out.printf(Locale.ROOT, "Embedded %d images with ONNX Runtime in %.1f s (%.0f images/s)%n",
                r.evaluation().items(), r.evaluation().embedSeconds(), r.evaluation().items() / r.evaluation().embedSeconds());
        System.out.println("Unseen classes 5-9 (" + r.evaluation().items() + " images), embedded with ONNX Runtime:");
        MetricsTable.print(r.evaluation().columns());
        if (r.evaluation().extra().get("held_out_seen_classes") instanceof java.util.Map<?, ?> held) {
            System.out.println("Held-out images of the training classes 0-4 (" + held.get("items") + " images), Recall@K:");
            System.out.println("  learned embeddings (ONNX Runtime): " + held.get("learned"));
            System.out.println("  untrained network, same init:      " + held.get("untrained_network_baseline"));
        }
        System.out.printf(Locale.ROOT, "Run folder: %s (model.onnx, model/, config.json, train-log.jsonl, metrics.json, "
                + "eval/); total %.1f s%n", r.folder(), (System.nanoTime() - t0) / 1e9);
        System.out.println("Report: " + r.report().toAbsolutePath().normalize().toUri());
        return 0;
    }
}
