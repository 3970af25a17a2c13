package io.simforge.cli;

import io.simforge.core.data.ImageDataset;
import io.simforge.core.io.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates an ONNX model on a dataset with ONNX Runtime alone. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Embed a dataset with an exported ONNX model and print Recall@1/2/4/8 (exact search).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "The .onnx model.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--classes", defaultValue = "5-9", description = "Classes to evaluate on (default 5-9).")
    String classes;

    @Option(names = "--metrics", description = "Also write the metrics to this JSON file.")
    Path metricsFile;

    @Override
    public Integer call() throws Exception {
        ImageDataset test = data.load().withClasses(DataOptions.parseClasses(classes));
        Workflow flow = new Workflow(System.out);
        Map<Integer, Double> recall = flow.evaluate(model, test);
        flow.printRecall("Classes " + classes + " (" + test.size() + " images):", recall);
        if (metricsFile != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toString());
            m.put("classes", classes);
            m.put("items", test.size());
            m.putAll(Workflow.recallJson(recall));
            Json.write(metricsFile, m);
        }
        return 0;
    }
}
