package io.simforge.cli;

import io.simforge.datasets.ImageDataset;
import io.simforge.datasets.BenchmarkLayout;
import io.simforge.core.io.Json;
import io.simforge.cli.ProgressBar;
import io.simforge.core.io.Npy;
import io.simforge.eval.EmbeddingMetrics;
import io.simforge.datasets.EvalSource;
import io.simforge.core.run.RunFiles;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates a model (ONNX Runtime alone) or ready-made embeddings with every metric of methods.md §5. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Print Recall@K, P@1, MAP@R, R-Precision (exact search) and NMI and F1 (k-means with k = number of "
                + "classes), write metrics.json, and optionally an HTML report.",
            "Either embed a dataset with an exported model (-m; ONNX Runtime alone), or read embeddings and labels "
                + "from NumPy files (--embeddings/--labels), optionally searched against a separate gallery "
                + "(--gallery-embeddings/--gallery-labels: the In-Shop query/gallery protocol)."})
final class EvalCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-m", "--model"}, description = "The .onnx model, or a run folder holding model.onnx.")
        Path model;

        @Option(names = "--embeddings", description = "Query embeddings, n × d float32/float64 .npy.")
        Path embeddings;
    }

    @Option(names = "--labels", description = "Labels of --embeddings: int .npy, or a text file with one per line.")
    Path labels;

    @Option(names = "--gallery-embeddings", description = "A separate gallery to search (query/gallery form).")
    Path galleryEmbeddings;

    @Option(names = "--gallery-labels", description = "Labels of the gallery.")
    Path galleryLabels;

    @Mixin
    DataOptions data;

    @Option(names = "--layout", paramLabel = "cub|cars|sop|inshop", description = "With -m: evaluate on a benchmark in "
            + "its distributed layout under --root: the test split leave-one-out, or In-Shop's query split against "
            + "its gallery. The embeddings go to <out>/eval (resumable).")
    String layout;

    @Option(names = "--root", description = "With --layout: the dataset's folder.")
    Path root;

    @Option(names = "--ks", split = ",", description = "Recall@K cut-offs (default 1,2,4,8; with --layout the paper's: "
            + "SOP 1,10,100,1000, In-Shop 1,10,20,30,40,50).")
    int[] ks;

    @Option(names = "--classes", defaultValue = "5-9", description = "With -m: classes to evaluate on (default 5-9).")
    String classes;

    @Option(names = {"-o", "--out"}, description = "Folder for metrics.json, eval/ and report.html "
            + "(default: the run folder given to -m, else runs/eval-<timestamp>).")
    Path out;

    @Option(names = "--report", description = "Also write report.html (leave-one-out evaluations).")
    boolean report;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the k-means clustering for NMI and F1 (default 0).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Workflow flow = new Workflow(System.out);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", Reports.METRICS_FORMAT_VERSION);
        Map<String, Double> metrics;
        Path dir;
        if (input.model != null) {
            Path onnx = Files.isDirectory(input.model) ? new RunFiles(input.model).onnxModel() : input.model;
            if (Files.isDirectory(input.model) && !Files.isRegularFile(onnx)) {
                if (!Files.isDirectory(input.model.resolve("model"))) {
                    throw new IllegalArgumentException("run folder " + input.model + " has neither model.onnx nor a "
                            + "trained model/ folder");
                }
                // A training run: export it first (what `simforge export RUN/model -o RUN/model.onnx` does).
                io.simforge.export.ModelExport.exportSaved(input.model.resolve("model"), onnx,
                        io.simforge.export.OnnxExporter.DEFAULT_OPSET);
                System.out.println("Exported " + input.model.resolve("model") + " to " + onnx);
            }
            dir = out != null ? out : Files.isDirectory(input.model) ? input.model : Runs.create(null, "eval");
            if (layout != null) {
                metrics = evaluateLayout(onnx, dir, m);
                return finish(flow, m, metrics, dir);
            }
            List<Integer> keep = DataOptions.parseClasses(classes);
            ImageDataset test = data.load().withClasses(keep);
            Workflow.Embedded e = flow.embed(onnx, test);
            metrics = EmbeddingMetrics.all(e.vectors(), e.dim(), test.labels(), recallKs(Workflow.RECALL_KS), seed);
            Files.createDirectories(dir);
            Workflow.saveEvaluation(new RunFiles(dir), e, test.labels(), EvalSource.of(data.data, data.split, keep,
                    "bundled".equals(data.data) ? QuickstartCommand.classNames() : null));
            m.put("model", onnx.toString());
            m.put("protocol", "leave-one-out retrieval on " + ("bundled".equals(data.data) ? "bundled Fashion-MNIST"
                    : data.data) + " " + data.split + " classes " + classes + " (" + test.size() + " images)");
            System.out.println("Classes " + classes + " (" + test.size() + " images):");
        } else {
            if (labels == null) {
                throw new IllegalArgumentException("--embeddings needs --labels (one label per row)");
            }
            if ((galleryEmbeddings == null) != (galleryLabels == null)) {
                throw new IllegalArgumentException("give both --gallery-embeddings and --gallery-labels, or neither");
            }
            dir = out != null ? out : Runs.create(null, "eval");
            Npy.FloatArray q = Npy.readFloats(input.embeddings);
            int[] ql = readLabels(labels, q.rows(), input.embeddings);
            if (galleryEmbeddings == null) {
                metrics = EmbeddingMetrics.all(q.values(), q.rowSize(), ql, recallKs(Workflow.RECALL_KS), seed);
                Workflow.saveEvaluation(new RunFiles(dir), new Workflow.Embedded(q.values(), q.rowSize()), ql, null);
                m.put("protocol", "leave-one-out retrieval on " + input.embeddings + " (" + ql.length + " items)");
            } else {
                if (report) {
                    throw new IllegalArgumentException("--report covers leave-one-out evaluations only; the query/gallery "
                            + "form prints and writes its metrics without a report");
                }
                Npy.FloatArray g = Npy.readFloats(galleryEmbeddings);
                int[] gl = readLabels(galleryLabels, g.rows(), galleryEmbeddings);
                if (g.rowSize() != q.rowSize()) {
                    throw new IllegalArgumentException("queries have " + q.rowSize() + " dimensions but the gallery has "
                            + g.rowSize());
                }
                metrics = EmbeddingMetrics.all(q.values(), ql, g.values(), gl, q.rowSize(), recallKs(Workflow.RECALL_KS),
                        seed);
                m.put("protocol", "query/gallery retrieval: " + ql.length + " queries from " + input.embeddings
                        + " against " + gl.length + " gallery items from " + galleryEmbeddings
                        + "; NMI and F1 cluster the queries");
            }
            System.out.println(m.get("protocol") + ":");
        }
        return finish(flow, m, metrics, dir);
    }

    private int finish(Workflow flow, Map<String, Object> m, Map<String, Double> metrics, Path dir) throws IOException {
        flow.printMetrics(Map.of("value", metrics));
        m.put("learned", metrics);
        RunFiles files = new RunFiles(dir);
        Json.write(files.metrics(), m);
        System.out.println("Wrote " + files.metrics());
        if (report) {
            System.out.println("Report: " + Reports.write(dir, null, seed).toAbsolutePath().normalize().toUri());
        }
        return 0;
    }

    private int[] recallKs(int[] fallback) {
        return ks != null ? ks : fallback;
    }

    /**
     * Embeds a benchmark's evaluation split(s) with {@link ExtractionJob} into {@code dir/eval} (committed in
     * chunks, so an interrupted evaluation resumes) and computes the metrics in the benchmark's form.
     */
    private Map<String, Double> evaluateLayout(Path onnx, Path dir, Map<String, Object> m) throws IOException {
        BenchmarkLayout l = DataOptions.layout(layout, root);
        if (report && l == BenchmarkLayout.INSHOP) {
            throw new IllegalArgumentException("--report covers leave-one-out evaluations only; In-Shop is query/gallery");
        }
        m.put("model", onnx.toString());
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).build()) {
            if (l == BenchmarkLayout.INSHOP) {
                Npy.FloatArray q = extract(embedder, onnx, l.read(root, "query"), dir.resolve("eval").resolve("query"));
                Npy.FloatArray g = extract(embedder, onnx, l.read(root, "gallery"), dir.resolve("eval").resolve("gallery"));
                int[] ql = Npy.readInts(dir.resolve("eval/query/labels.npy"));
                int[] gl = Npy.readInts(dir.resolve("eval/gallery/labels.npy"));
                m.put("protocol", "In-Shop query/gallery retrieval: " + ql.length + " queries against " + gl.length
                        + " gallery images under " + root + "; NMI and F1 cluster the queries");
                System.out.println(m.get("protocol") + ":");
                return EmbeddingMetrics.all(q.values(), ql, g.values(), gl, q.rowSize(),
                        recallKs(new int[] {1, 10, 20, 30, 40, 50}), seed);
            }
            io.simforge.core.data.ImageList test = l.read(root, "test");
            Npy.FloatArray e = extract(embedder, onnx, test, dir.resolve("eval"));
            int[] labels = Npy.readInts(new RunFiles(dir).labels());
            Files.deleteIfExists(new RunFiles(dir).evalSource()); // images come from the layout, not a dataset source
            m.put("protocol", "leave-one-out retrieval on the " + test.name() + " split under " + root + " ("
                    + labels.length + " images, " + test.classCount() + " classes)");
            System.out.println(m.get("protocol") + ":");
            return EmbeddingMetrics.all(e.values(), e.rowSize(), labels,
                    recallKs(l == BenchmarkLayout.SOP ? new int[] {1, 10, 100, 1000} : Workflow.RECALL_KS), seed);
        }
    }

    private static Npy.FloatArray extract(Embedder embedder, Path onnx, io.simforge.core.data.ImageList list, Path out)
            throws IOException {
        ExtractionJob.Summary s;
        try (ProgressBar bar = new ProgressBar(System.out, "embed", list.size(), "img")) {
            s = ExtractionJob.builder().setEmbedder(embedder, onnx).setOutput(out)
                    .setSource(ItemSource.imageList(list, embedder.imagePreprocessor()))
                    .optListener((done, total, resumed) -> bar.update(done, resumed ? "resumed" : "")).build().run();
        }
        if (s.rejects() > 0) {
            System.out.println(s.rejects() + " unreadable images left out; see " + out.resolve("rejects.tsv"));
        }
        return Npy.readFloats(out.resolve("embeddings.npy"));
    }

    /** Labels from an int .npy file or a text file with one whole number per line. */
    static int[] readLabels(Path file, int expected, Path of) throws IOException {
        int[] y;
        if (file.getFileName().toString().endsWith(".npy")) {
            y = Npy.readInts(file);
        } else {
            List<String> lines = Files.readAllLines(file).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            y = new int[lines.size()];
            for (int i = 0; i < y.length; i++) {
                try {
                    y[i] = Integer.parseInt(lines.get(i));
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + (i + 1) + ": '" + lines.get(i) + "' is not a whole number; "
                            + "labels must be integers, one per line");
                }
            }
        }
        if (y.length != expected) {
            throw new IOException(file + " holds " + y.length + " labels but " + of + " has " + expected + " rows");
        }
        return y;
    }
}
