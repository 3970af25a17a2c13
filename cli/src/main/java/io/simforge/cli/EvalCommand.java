package io.simforge.cli;

import io.simforge.core.data.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.core.metrics.EmbeddingMetrics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates an ONNX model on a dataset with ONNX Runtime alone. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Embed a dataset with an exported ONNX model (ONNX Runtime alone) and print Recall@1/2/4/8, MAP@R, "
                + "R-Precision (exact search), and NMI and F1 of a k-means clustering with k = number of classes.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "The .onnx model.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--classes", defaultValue = "5-9", description = "Classes to evaluate on (default 5-9).")
    String classes;

    @Option(names = "--metrics", description = "Also write the metrics to this JSON file.")
    Path metricsFile;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the k-means clustering for NMI and F1 (default 0).")
    long seed;

    @Override
    public Integer call() throws Exception {
        ImageDataset test = data.load().withClasses(DataOptions.parseClasses(classes));
        Workflow flow = new Workflow(System.out);
        Workflow.Embedded e = flow.embed(model, test);
        Map<String, Double> metrics = EmbeddingMetrics.all(e.vectors(), e.dim(), test.labels(), Workflow.RECALL_KS, seed);
        System.out.println("Classes " + classes + " (" + test.size() + " images):");
        metrics.forEach((name, value) -> System.out.printf(Locale.ROOT, "  %-12s %.4f%n", name, value));
        if (metricsFile != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("classes", classes);
            m.put("items", test.size());
            m.putAll(metrics);
            Json.write(metricsFile, m);
        }
        return 0;
    }
}
