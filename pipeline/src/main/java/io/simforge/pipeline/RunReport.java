package io.simforge.pipeline;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.simforge.core.io.Npy;
import io.simforge.core.run.RunFolder;
import io.simforge.core.run.TrainingLog;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.EvalSource;
import io.simforge.datasets.ImageDataset;
import io.simforge.eval.EvaluationResult;
import io.simforge.report.HtmlReport;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainingInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report of a run folder, made from the files the run's steps wrote (see {@link RunFolder}): the
 * evaluation's metrics and embeddings, and, when the run trained, its settings, training log and summary, and the
 * export's parity check. Runs written by simforge 0.1 (facts inside {@code metrics.json}) still render.
 */
public final class RunReport {
    private RunReport() {}

    /**
     * Writes {@code report.html} into the run folder (or {@code target}) and returns its path.
     *
     * @param seed the seed of the t-SNE sample and the example queries
     * @throws IOException when the run folder has no evaluation to report
     */
    public static Path write(RunFolder run, Path target, long seed) throws IOException {
        if (!run.exists()) {
            throw new IOException("run folder not found: " + run);
        }
        if (!Files.isRegularFile(run.embeddings()) || !Files.isRegularFile(run.labels())) {
            throw new IOException(run + " holds no evaluation (" + run.dir().relativize(run.embeddings()) + " and "
                    + run.dir().relativize(run.labels()) + "); evaluate it first, e.g. `simforge eval -m "
                    + run.onnxModel() + " -o " + run + "`");
        }
        Npy.FloatArray e = Npy.readFloats(run.embeddings());
        int[] labels = Npy.readInts(run.labels());
        if (e.rows() != labels.length) {
            throw new IOException(run.embeddings() + " has " + e.rows() + " rows but " + run.labels() + " has "
                    + labels.length + " labels");
        }
        HtmlReport.Builder b = HtmlReport.builder()
                .setTitle("simforge · " + run.dir().toAbsolutePath().normalize().getFileName())
                .setEmbeddings(e.values(), e.rowSize(), labels).optSeed(seed);
        EvaluationResult metrics = Files.isRegularFile(run.metrics()) ? EvaluationResult.read(run.metrics()) : null;
        JsonObject training = read(run.trainingSummary(), io.simforge.train.TrainingRun.SUMMARY);
        JsonObject export = read(run.exportSummary(), io.simforge.export.ModelExport.SUMMARY);
        Map<String, Object> legacy = metrics == null ? Map.of() : metrics.extra(); // 0.1 runs kept these in metrics.json
        if (metrics != null) {
            fact(b, "Protocol", metrics.protocol());
            fact(b, "Model", metrics.model());
        }
        fact(b, "Loss", training != null ? string(training, "loss") : string(legacy, "loss"));
        if (Files.isRegularFile(run.config())) {
            TrainConfig c = TrainConfig.fromJson(Files.readString(run.config()), run.config().toString());
            b.optFact("Network", c.architecture() + ", " + c.embeddingSize() + "-d embedding, " + c.iterations()
                    + " iterations of " + c.classesPerBatch() + " classes × " + c.samplesPerClass() + " images, "
                    + "learning rate " + c.learningRate() + ", seed " + c.seed());
        }
        Double seconds = training != null ? number(training, "seconds") : number(legacy, "train_seconds");
        if (seconds != null) {
            b.optFact("Training time", String.format(Locale.ROOT, "%.1f s", seconds));
        }
        Double parity = export != null ? number(export, "parity_max_abs_diff") : number(legacy, "parity_max_abs_diff");
        if (parity != null) {
            b.optFact("ONNX vs DJL", String.format(Locale.ROOT, "max |difference| %.1e", parity));
        }
        if (metrics != null) {
            b.addMetrics("this model", metrics.learned());
            metrics.baselines().forEach(b::addMetrics);
            if (!metrics.baselines().isEmpty()) {
                b.optNote("Baselines: the same network before training (same initialisation), and the raw pixels "
                        + "L2-normalised; a model is only useful where it beats both.");
            }
        }
        b.optNote("Recall@K: a query counts as a hit when one of its K nearest other items shares its class. P@1 is "
                + "Recall@1 under another name. MAP@R and R-Precision: Musgrave et al. 2020. NMI and F1: k-means with "
                + "k = number of classes (k-means++, seeded).");
        if (Files.isRegularFile(run.trainingLog())) {
            TrainingLog.Contents log = TrainingLog.read(run.trainingLog());
            b.optTrainingLog(log);
            if (!log.validations().isEmpty()) {
                fact(b, "Validation", legacy.containsKey("validation") ? string(legacy, "validation")
                        : validation(run));
            }
        }
        if (Files.isRegularFile(run.evalSource())) {
            EvalSource source = EvalSource.read(run.evalSource());
            b.optClassNames(source::className);
            if (source.isImageFiles()) {
                java.util.List<String> ids = Files.readAllLines(run.evalDir().resolve("ids.txt"));
                Path root = Path.of(source.imageRoot());
                if (ids.size() == labels.length) {
                    b.optItemNames(ids::get);
                    b.optImages(i -> {
                        try {
                            return io.simforge.core.image.Images.decode(root.resolve(ids.get(i)));
                        } catch (IOException unreadable) {
                            return null; // moved or deleted since: the report shows the class without the image
                        }
                    });
                }
            } else {
                ImageDataset images = DataSource.idx(source.data(), source.split()).openIdx()
                        .withClasses(source.classes());
                if (images.size() == labels.length && Arrays.equals(images.labels(), labels)) {
                    b.optImages(images::picture);
                } else {
                    System.getLogger(RunReport.class.getName()).log(System.Logger.Level.WARNING, "the images of "
                            + source.data() + " no longer match the run's labels; the report shows classes without "
                            + "images");
                }
            }
        }
        Path out = target != null ? target : run.report();
        b.build().write(out);
        return out;
    }

    /** What a run watched while it trained, from its {@code train-input.json}. */
    private static String validation(RunFolder run) throws IOException {
        if (!Files.isRegularFile(run.trainingInput())) {
            return null;
        }
        TrainingInput.ValidationInput v = TrainingInput.read(run.trainingInput()).validation();
        if (v == null) {
            return null;
        }
        String on = v.source() != null ? v.source().toString() : v.classes() != null ? "classes " + v.classes()
                : "the evaluation split";
        return "Recall@1 and MAP@R every " + v.every() + " iterations on the first " + v.perClass() + " images of "
                + "each class of " + on + "; the best Recall@1 is kept as model-best";
    }

    private static JsonObject read(Path file, io.simforge.core.format.Format format) throws IOException {
        return Files.isRegularFile(file) ? format.read(file) : null;
    }

    private static void fact(HtmlReport.Builder b, String name, String value) {
        if (value != null && !value.isBlank()) {
            b.optFact(name, value);
        }
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
    }

    private static String string(Map<String, Object> m, String key) {
        return m.get(key) instanceof JsonElement e && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static Double number(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() && o.get(key).getAsJsonPrimitive().isNumber()
                ? o.get(key).getAsDouble() : null;
    }

    private static Double number(Map<String, Object> m, String key) {
        return m.get(key) instanceof JsonElement e && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()
                ? e.getAsDouble() : null;
    }
}
