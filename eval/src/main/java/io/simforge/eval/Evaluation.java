package io.simforge.eval;

import io.simforge.core.data.ImageList;
import io.simforge.core.io.Npy;
import io.simforge.core.model.Preprocessing;
import io.simforge.core.run.RunFolder;
import io.simforge.datasets.BenchmarkLayout;
import io.simforge.datasets.ClassSelection;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.EvalSource;
import io.simforge.datasets.ImageDataset;
import io.simforge.datasets.Labels;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation, the way the papers compute it (methods.md §5): Recall@K, P@1, MAP@R, R-Precision by exact search,
 * NMI and F1 by k-means with k = the number of classes. The library entry point behind {@code simforge eval} and
 * the quickstart's last step; it needs ONNX Runtime only (no DJL). Three forms:
 *
 * <ul>
 *   <li>a model and in-memory images (IDX data, e.g. the bundled Fashion-MNIST): leave-one-out, optionally with
 *       baselines computed on the same preprocessed inputs;
 *   <li>a model and image files (a folder, a list file, a benchmark layout): embedded by a resumable
 *       {@link ExtractionJob} into the output's {@code eval/} folder; In-Shop searches its queries against its
 *       gallery, the others are leave-one-out;
 *   <li>ready-made embeddings ({@code .npy} with labels): leave-one-out, or queries against a separate gallery.
 * </ul>
 *
 * With an output {@link RunFolder}, {@code metrics.json} and the evaluated embeddings ({@code eval/}) are written
 * there, which is what a report is made from.
 *
 * <pre>{@code
 * EvaluationResult r = Evaluation.builder().setModel(Path.of("model.onnx"))
 *         .setData(DataSource.bundled(), "5-9").optOutput(RunFolder.at(Path.of("runs/eval"), "eval")).build().run();
 * }</pre>
 */
public final class Evaluation {
    /** Recall@K cut-offs unless asked otherwise (a benchmark layout uses its papers'). */
    public static final int[] DEFAULT_KS = {1, 2, 4, 8};

    private final Builder b;

    private Evaluation(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Evaluates and, with an output folder, writes the files.
     *
     * @throws IllegalArgumentException for inputs that do not fit together (labels, dimensions, a model for images
     *     given vectors)
     * @throws IOException when a file cannot be read or written
     */
    public EvaluationResult run() throws IOException {
        EvaluationResult r = b.embeddings != null ? fromEmbeddings() : fromModel();
        if (b.output != null) {
            b.output.create();
            r.write(b.output.metrics());
        }
        return r;
    }

    private EvaluationResult fromEmbeddings() throws IOException {
        Npy.FloatArray q = readEmbeddings(b.embeddings);
        int[] ql = Labels.read(b.labels, q.rows(), b.embeddings);
        int[] ks = ks(DEFAULT_KS);
        if (b.galleryEmbeddings == null) {
            Map<String, Double> m = EmbeddingMetrics.all(q.values(), q.rowSize(), ql, ks, b.seed);
            if (b.output != null) {
                save(b.output, q.values(), q.rowSize(), ql, null);
            }
            return result("leave-one-out retrieval on " + b.embeddings + " (" + ql.length + " items)", null, ql.length,
                    m, Map.of(), 0, 0);
        }
        Npy.FloatArray g = readEmbeddings(b.galleryEmbeddings);
        int[] gl = Labels.read(b.galleryLabels, g.rows(), b.galleryEmbeddings);
        if (g.rowSize() != q.rowSize()) {
            throw new IllegalArgumentException("queries have " + q.rowSize() + " dimensions but the gallery has "
                    + g.rowSize());
        }
        Map<String, Double> m = EmbeddingMetrics.all(q.values(), ql, g.values(), gl, q.rowSize(), ks, b.seed);
        return result("query/gallery retrieval: " + ql.length + " queries from " + b.embeddings + " against " + gl.length
                + " gallery items from " + b.galleryEmbeddings + "; NMI and F1 cluster the queries", null, ql.length, m,
                Map.of(), 0, 0);
    }

    /**
     * Embeddings to evaluate: an {@code n × d} matrix of finite values. A NaN or infinite value would make every
     * metric meaningless (all-zero scores), so it is refused naming the file, row and column.
     */
    private static Npy.FloatArray readEmbeddings(Path file) throws IOException {
        Npy.FloatArray e = Npy.readFloats(file);
        if (e.shape().length != 2 || e.rows() == 0 || e.rowSize() == 0) {
            throw new IllegalArgumentException(file + " has shape " + java.util.Arrays.toString(e.shape())
                    + "; embeddings are an n × d matrix with n and d above 0");
        }
        io.simforge.core.error.InvalidInputException.requireFinite(e.values(), e.rowSize(), file.toString());
        return e;
    }

    private EvaluationResult fromModel() throws IOException {
        Embedder embedder = b.embedder != null ? b.embedder : Embedder.builder().setModelPath(b.model).build();
        try {
            return b.source.kind() == DataSource.Kind.IDX ? inMemory(embedder) : imageFiles(embedder);
        } finally {
            if (b.embedder == null) {
                embedder.close();
            }
        }
    }

    /** IDX data: embedded in memory; baselines on the same preprocessed inputs. */
    private EvaluationResult inMemory(Embedder embedder) throws IOException {
        ImageDataset all = b.source.openIdx();
        List<Integer> classes = b.classes == null ? List.copyOf(all.classes()) : ClassSelection.parse(b.classes);
        ImageDataset test = b.classes == null ? all : all.withClasses(classes);
        long t0 = System.nanoTime();
        float[] e = embedder.embed(test);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int[] ks = ks(DEFAULT_KS);
        Map<String, Double> learned = EmbeddingMetrics.all(e, embedder.embeddingSize(), test.labels(), ks, b.seed);
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        if (!b.baselines.isEmpty()) {
            Preprocessing pre = embedder.metadata().preprocessing();
            float[] inputs = test.inputs(pre);
            for (Map.Entry<String, Baseline> base : b.baselines.entrySet()) {
                float[] x = base.getValue().embed(inputs, test.size());
                baselines.put(base.getKey(), EmbeddingMetrics.all(x, x.length / test.size(), test.labels(), ks, b.seed));
            }
        }
        if (b.output != null) {
            Map<Integer, String> names = new LinkedHashMap<>();
            List<String> known = b.source.classNames();
            for (int c = 0; c < known.size(); c++) {
                names.put(c, known.get(c));
            }
            save(b.output, e, embedder.embeddingSize(), test.labels(), EvalSource.of(b.source.path(),
                    b.source.split(), classes, names.isEmpty() ? null : names));
        }
        String protocol = "leave-one-out retrieval on " + (b.source.isBundled() ? "bundled Fashion-MNIST"
                : b.source.path()) + " " + b.source.split() + (b.classes == null ? "" : " classes " + b.classes) + " ("
                + test.size() + " images)";
        return result(protocol, modelName(), test.size(), learned, baselines, seconds, 0);
    }

    /** Image files: embedded by a resumable extraction into the output's {@code eval/}. */
    private EvaluationResult imageFiles(Embedder embedder) throws IOException {
        if (b.output == null) {
            throw new IllegalArgumentException("evaluating image files needs an output folder: their embeddings are "
                    + "written there as they are computed, so an interrupted evaluation resumes");
        }
        BenchmarkLayout layout = b.source.kind() == DataSource.Kind.LAYOUT ? b.source.layout() : null;
        Path eval = b.output.evalDir();
        long t0 = System.nanoTime();
        if (layout == BenchmarkLayout.INSHOP) {
            Extracted q = extract(embedder, b.source.withSplit("query").openImages(null), eval.resolve("query"));
            Extracted g = extract(embedder, b.source.withSplit("gallery").openImages(null), eval.resolve("gallery"));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> m = EmbeddingMetrics.all(q.vectors.values(), q.labels, g.vectors.values(), g.labels,
                    q.vectors.rowSize(), ks(layout.paperRecallKs()), b.seed);
            if (!b.baselines.isEmpty()) {
                throw new IllegalArgumentException("baselines are computed for leave-one-out evaluations");
            }
            return result("In-Shop query/gallery retrieval: " + q.labels.length + " queries against " + g.labels.length
                    + " gallery images under " + b.source.path() + "; NMI and F1 cluster the queries", modelName(),
                    q.labels.length, m, Map.of(), seconds, q.rejects + g.rejects);
        }
        ImageList list = b.source.openImages(layout != null ? layout.evaluationSplit() : null);
        if (list.labels().length > 0 && list.labels()[0] < 0) {
            throw new IllegalArgumentException(list.name() + " has images without a class; evaluation needs a class for "
                    + "every image (root/<class>/<image>, or a list file with labels)");
        }
        Extracted e = extract(embedder, list, eval);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<Integer, String> names = new LinkedHashMap<>();
        for (int c = 0; c < list.classNames().size(); c++) {
            names.put(c, list.classNames().get(c));
        }
        // The report reloads the images from their files, in the order of the extraction's ids.txt.
        EvalSource.imageFiles(list.root(), names.isEmpty() ? null : names).write(b.output.evalSource());
        int[] ks = ks(layout != null ? layout.paperRecallKs() : DEFAULT_KS);
        Map<String, Double> m = EmbeddingMetrics.all(e.vectors.values(), e.vectors.rowSize(), e.labels, ks, b.seed);
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        if (!b.baselines.isEmpty()) {
            float[] inputs = inputsOf(list, eval, embedder);
            for (Map.Entry<String, Baseline> base : b.baselines.entrySet()) {
                float[] x = base.getValue().embed(inputs, e.labels.length);
                baselines.put(base.getKey(), EmbeddingMetrics.all(x, x.length / e.labels.length, e.labels, ks, b.seed));
            }
        }
        return result("leave-one-out retrieval on the " + list.name() + " split under " + b.source.path() + " ("
                + e.labels.length + " images, " + list.classCount() + " classes)", modelName(), e.labels.length, m,
                baselines, seconds, e.rejects);
    }

    private record Extracted(Npy.FloatArray vectors, int[] labels, long rejects) {}

    /**
     * The preprocessed inputs of the images an extraction embedded (its {@code ids.txt}, rejects left out), in its
     * row order: what baselines see. Held in memory: {@value #MAX_BASELINE_VALUES} values at most.
     */
    private static float[] inputsOf(ImageList list, Path extraction, Embedder embedder) throws IOException {
        Preprocessing pre = embedder.metadata().preprocessing();
        io.simforge.infer.ImagePreprocessor images = new io.simforge.infer.ImagePreprocessor(pre);
        List<String> ids = Files.readAllLines(extraction.resolve("ids.txt"));
        if ((long) ids.size() * pre.imageSize() > MAX_BASELINE_VALUES) {
            throw new IllegalArgumentException(ids.size() + " images of " + pre.imageSize() + " values are too many to "
                    + "hold for baselines (at most " + MAX_BASELINE_VALUES + " values); evaluate a sample");
        }
        float[] inputs = new float[ids.size() * pre.imageSize()];
        for (int i = 0; i < ids.size(); i++) {
            images.toInput(io.simforge.infer.ImagePreprocessor.decode(list.root().resolve(ids.get(i))), inputs,
                    i * pre.imageSize());
        }
        return inputs;
    }

    /** Baselines on image files hold every input in memory: 1.6 GB of floats at most. */
    static final long MAX_BASELINE_VALUES = 400_000_000L;

    private Extracted extract(Embedder embedder, ImageList list, Path out) throws IOException {
        ExtractionJob.Summary s = ExtractionJob.builder().setEmbedder(embedder, b.model).setOutput(out)
                .setSource(ItemSource.imageList(list, embedder.imagePreprocessor())).optListener(b.progress).build()
                .run();
        return new Extracted(Npy.readFloats(out.resolve("embeddings.npy")), Npy.readInts(out.resolve("labels.npy")),
                s.rejects());
    }

    private static void save(RunFolder out, float[] e, int dim, int[] labels, EvalSource source) throws IOException {
        Npy.writeFloats(out.embeddings(), e, labels.length, dim);
        Npy.writeInts(out.labels(), labels);
        if (source != null) {
            source.write(out.evalSource());
        } else {
            Files.deleteIfExists(out.evalSource());
        }
    }

    private EvaluationResult result(String protocol, String model, int items, Map<String, Double> learned,
            Map<String, Map<String, Double>> baselines, double seconds, long rejects) {
        return new EvaluationResult(b.protocol != null ? b.protocol : protocol, model, items, learned, baselines, seconds,
                rejects, Map.of());
    }

    private String modelName() {
        return b.model.toString();
    }

    private int[] ks(int[] fallback) {
        return b.ks != null ? b.ks : fallback;
    }

    /**
     * {@code setModel} + {@code setData}, or {@code setEmbeddings}; the rest is optional. {@link #build()} checks
     * that the pieces fit together.
     */
    public static final class Builder {
        private Path model;
        private Embedder embedder;
        private DataSource source;
        private String classes;
        private Path embeddings;
        private Path labels;
        private Path galleryEmbeddings;
        private Path galleryLabels;
        private int[] ks;
        private long seed;
        private final Map<String, Baseline> baselines = new LinkedHashMap<>();
        private RunFolder output;
        private String protocol;
        private ExtractionJob.Listener progress = (done, total, resumed) -> {};

        private Builder() {}

        /** The exported model (an {@link Embedder} is opened on it for the evaluation). */
        public Builder setModel(Path onnx) {
            this.model = onnx;
            return this;
        }

        /** An open embedder and the file it was opened from (its device, threads and batch size are used). */
        public Builder setEmbedder(Embedder embedder, Path onnx) {
            this.embedder = embedder;
            this.model = onnx;
            return this;
        }

        /** The items to embed and evaluate; for IDX data, only {@code classes} (null: all). */
        public Builder setData(DataSource source, String classes) {
            this.source = source;
            this.classes = classes;
            return this;
        }

        /** Ready-made embeddings ({@code n × d} .npy) and their labels (.npy or text). */
        public Builder setEmbeddings(Path embeddings, Path labels) {
            this.embeddings = embeddings;
            this.labels = labels;
            return this;
        }

        /** With {@link #setEmbeddings}: search the queries against this gallery (In-Shop's form). */
        public Builder optGallery(Path embeddings, Path labels) {
            this.galleryEmbeddings = embeddings;
            this.galleryLabels = labels;
            return this;
        }

        /** Recall@K cut-offs (default 1, 2, 4, 8; a benchmark layout's papers' otherwise). */
        public Builder optRecallKs(int... ks) {
            this.ks = ks.clone();
            return this;
        }

        /** Seed of the k-means clustering behind NMI and F1 (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Also evaluate {@code baseline} on the same preprocessed inputs (leave-one-out evaluations of a model). */
        public Builder optBaseline(String name, Baseline baseline) {
            baselines.put(name, baseline);
            return this;
        }

        /** Where {@code metrics.json} and {@code eval/} go (required for image files). */
        public Builder optOutput(RunFolder output) {
            this.output = output;
            return this;
        }

        /** Describes the protocol in {@code metrics.json} instead of the default description. */
        public Builder optProtocol(String protocol) {
            this.protocol = protocol;
            return this;
        }

        /** Progress of the embedding of image files. */
        public Builder optProgress(ExtractionJob.Listener progress) {
            this.progress = progress;
            return this;
        }

        public Evaluation build() {
            boolean fromModel = model != null;
            if (fromModel == (embeddings != null)) {
                throw new IllegalArgumentException("evaluate either a model (with the data to embed) or ready-made "
                        + "embeddings, not both or neither");
            }
            if (fromModel && source == null) {
                throw new IllegalArgumentException("a model needs the data to evaluate it on (setData)");
            }
            if (!fromModel && labels == null) {
                throw new IllegalArgumentException("embeddings need their labels (one per row)");
            }
            if ((galleryEmbeddings == null) != (galleryLabels == null)) {
                throw new IllegalArgumentException("give both the gallery's embeddings and its labels, or neither");
            }
            if (fromModel && source.kind() == DataSource.Kind.FEATURES) {
                throw new IllegalArgumentException("feature vectors are evaluated from their embeddings: embed them "
                        + "and pass the embeddings and labels");
            }
            if (ks != null && (ks.length == 0 || java.util.Arrays.stream(ks).anyMatch(k -> k <= 0))) {
                throw new IllegalArgumentException("Recall@K cut-offs must be positive, got "
                        + java.util.Arrays.toString(ks));
            }
            return new Evaluation(this);
        }
    }
}
