package io.simforge.cli;

import io.simforge.core.run.RunFolder;
import io.simforge.datasets.DataSource;
import io.simforge.eval.Evaluation;
import io.simforge.eval.EvaluationResult;
import io.simforge.infer.Embedder;
import io.simforge.pipeline.RunModels;
import io.simforge.pipeline.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates a model (ONNX Runtime alone) or ready-made embeddings ({@link Evaluation}). */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Print Recall@K, P@1, MAP@R, R-Precision (exact search) and NMI and F1 (k-means with k = number of "
                + "classes), write metrics.json, and optionally an HTML report.",
            "Either embed data with an exported model (-m; ONNX Runtime alone; IDX data in memory, image files resumably "
                + "into <out>/eval), or read embeddings and labels from NumPy files (--embeddings/--labels), optionally "
                + "searched against a separate gallery (--gallery-embeddings/--gallery-labels: the In-Shop form)."})
final class EvalCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-m", "--model"}, description = "The .onnx model, or a run folder (a trained one is exported "
                + "first).")
        Path model;

        @Option(names = "--embeddings", paramLabel = "E.npy", description = "Embeddings to evaluate, n × d .npy (with "
                + "--labels).")
        Path embeddings;
    }

    @Mixin
    DataOptions data;

    @Option(names = "--classes", description = "With IDX data: the classes to evaluate on (default 5-9).")
    String classes;

    @Option(names = "--gallery-embeddings", description = "A separate gallery to search (query/gallery form).")
    Path galleryEmbeddings;

    @Option(names = "--gallery-labels", description = "Labels of the gallery.")
    Path galleryLabels;

    @Option(converter = Ranges.Positive.class, names = "--ks", split = ",", description = "Recall@K cut-offs (default 1,2,4,8; with --layout the papers': "
            + "SOP 1,10,100,1000, In-Shop 1,10,20,30,40,50).")
    int[] ks;

    @Option(names = {"-o", "--out"}, description = "Folder for metrics.json, eval/ and report.html (default: the run "
            + "folder given to -m, else runs/eval-<timestamp>).")
    Path out;

    @Option(names = "--report", description = "Also write report.html (leave-one-out evaluations).")
    boolean report;

    @Option(names = "--baselines", description = "With -m, leave-one-out: also evaluate the raw pixels and, for a "
            + "training run folder, the same network untrained (its architecture and seed), on the same images.")
    boolean baselines;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the k-means clustering for NMI and F1 "
            + "(default 0).")
    long seed;

    @Mixin
    RuntimeOptions runtime;

    @Mixin
    ModelSettingsOptions modelSettings;

    @Override
    public Integer call() throws Exception {
        Evaluation.Builder b = Evaluation.builder().optSeed(seed);
        RunFolder folder;
        Embedder embedder = null;
        DataSource source = null;
        try {
            if (input.model != null) {
                RunModels.Resolved model = RunModels.onnx(input.model);
                if (model.exported()) {
                    System.out.println("Exported " + input.model.resolve("model") + " to " + model.onnx());
                }
                folder = RunFolder.at(out != null ? out : Files.isDirectory(input.model) ? input.model : null, "eval");
                source = data.source();
                if (source.kind() == DataSource.Kind.FEATURES) {
                    throw new IllegalArgumentException("--features are vectors; evaluate embeddings with --embeddings "
                            + "and --labels");
                }
                embedder = runtime.embedder(model.onnx(), modelSettings);
                b.setEmbedder(embedder, model.onnx()).setData(source, source.kind() == DataSource.Kind.IDX
                        ? (classes != null ? classes : "5-9") : null);
                if (baselines) {
                    RunModels.baselines(input.model).forEach(b::optBaseline);
                }
            } else {
                if (baselines) {
                    throw new IllegalArgumentException("--baselines needs a model (-m): they are computed on the inputs "
                            + "the model embeds");
                }
                if (data.labels == null) {
                    throw new IllegalArgumentException("--embeddings needs --labels (one label per row)");
                }
                folder = RunFolder.at(out, "eval");
                b.setEmbeddings(input.embeddings, data.labels).optGallery(galleryEmbeddings, galleryLabels);
            }
            boolean queryGallery = galleryEmbeddings != null || (source != null && source.kind() == DataSource.Kind.LAYOUT
                    && source.layout() == io.simforge.datasets.BenchmarkLayout.INSHOP);
            if (report && queryGallery) {
                throw new IllegalArgumentException("--report covers leave-one-out evaluations only; the query/gallery "
                        + "form prints and writes its metrics without a report");
            }
            if (ks != null) {
                b.optRecallKs(ks);
            }
            ProgressBar[] bar = new ProgressBar[1];
            b.optOutput(folder).optProgress((done, total, resumed) -> {
                if (bar[0] == null) {
                    bar[0] = new ProgressBar(System.out, "embed", total, "img");
                }
                bar[0].update(done, resumed ? "resumed" : "");
            });
            EvaluationResult r;
            try {
                r = b.build().run();
            } finally {
                if (bar[0] != null) {
                    bar[0].close();
                }
            }
            if (r.embedSeconds() > 0) {
                System.out.printf(Locale.ROOT, "Embedded %d items with ONNX Runtime in %.1f s (%.0f items/s)%n",
                        r.items(), r.embedSeconds(), r.items() / r.embedSeconds());
            }
            if (r.rejects() > 0) {
                System.out.println(r.rejects() + " unreadable images left out; see rejects.tsv under " + folder.evalDir());
            }
            System.out.println(r.protocol() + ":");
            MetricsTable.print(r.columns());
            System.out.println("Wrote " + folder.metrics());
            if (report) {
                System.out.println("Report: " + RunReport.write(folder, null, seed).toAbsolutePath().normalize().toUri());
            }
            return 0;
        } finally {
            if (embedder != null) {
                embedder.close();
            }
        }
    }
}
