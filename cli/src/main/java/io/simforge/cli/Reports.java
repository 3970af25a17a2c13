package io.simforge.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Npy;
import io.simforge.datasets.EvalSource;
import io.simforge.core.run.RunFiles;
import io.simforge.core.run.TrainingLog;
import io.simforge.report.HtmlReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Builds a run's HTML report from the files in its folder (see {@link RunFiles}). */
final class Reports {
    /** metrics.json's format version; written by quickstart and eval. */
    static final int METRICS_FORMAT_VERSION = 1;

    private Reports() {}

    /** Writes {@code report.html} into the run folder (or {@code target}) and returns its path. */
    static Path write(Path runDir, Path target, long seed) throws IOException {
        RunFiles files = new RunFiles(runDir);
        if (!Files.isDirectory(runDir)) {
            throw new IOException("run folder not found: " + runDir);
        }
        if (!Files.isRegularFile(files.embeddings()) || !Files.isRegularFile(files.labels())) {
            throw new IOException(runDir + " holds no evaluation (" + runDir.relativize(files.embeddings()) + " and "
                    + runDir.relativize(files.labels()) + "); evaluate it first, e.g. `simforge eval -m "
                    + files.onnxModel() + " -o " + runDir + "`");
        }
        Npy.FloatArray e = Npy.readFloats(files.embeddings());
        int[] labels = Npy.readInts(files.labels());
        if (e.rows() != labels.length) {
            throw new IOException(files.embeddings() + " has " + e.rows() + " rows but " + files.labels() + " has "
                    + labels.length + " labels");
        }
        HtmlReport.Builder b = HtmlReport.builder().setTitle("simforge · " + runDir.toAbsolutePath().normalize().getFileName())
                .setEmbeddings(e.values(), e.rowSize(), labels).optSeed(seed);
        JsonObject metrics = Files.isRegularFile(files.metrics())
                ? JsonParser.parseString(Files.readString(files.metrics())).getAsJsonObject() : new JsonObject();
        JsonObject config = Files.isRegularFile(files.config())
                ? JsonParser.parseString(Files.readString(files.config())).getAsJsonObject() : null;
        fact(b, "Protocol", metrics, "protocol");
        fact(b, "Model", metrics, "model");
        fact(b, "Loss", metrics, "loss");
        if (config != null) {
            b.optFact("Network", config.get("architecture").getAsString() + ", " + config.get("embeddingSize").getAsInt()
                    + "-d embedding, " + config.get("iterations").getAsInt() + " iterations of "
                    + config.get("batchSize").getAsInt() / config.get("samplesPerClass").getAsInt() + " classes × "
                    + config.get("samplesPerClass").getAsInt() + " images, learning rate "
                    + config.get("learningRate").getAsFloat() + ", seed " + config.get("seed").getAsLong());
        }
        if (metrics.has("train_seconds")) {
            b.optFact("Training time", String.format(Locale.ROOT, "%.1f s", metrics.get("train_seconds").getAsDouble()));
        }
        if (metrics.has("parity_max_abs_diff")) {
            b.optFact("ONNX vs DJL", String.format(Locale.ROOT, "max |difference| %.1e", metrics.get("parity_max_abs_diff")
                    .getAsDouble()));
        }
        if (metrics.has("learned")) {
            b.addMetrics("this model", numbers(metrics.getAsJsonObject("learned")));
        }
        if (metrics.has("baselines")) {
            for (Map.Entry<String, JsonElement> col : metrics.getAsJsonObject("baselines").entrySet()) {
                b.addMetrics(col.getKey(), numbers(col.getValue().getAsJsonObject()));
            }
            b.optNote("Baselines: the same network before training (same initialisation), and the raw pixels "
                    + "L2-normalised; a model is only useful where it beats both.");
        }
        b.optNote("Recall@K: a query counts as a hit when one of its K nearest other items shares its class. P@1 is "
                + "Recall@1 under another name. MAP@R and R-Precision: Musgrave et al. 2020. NMI and F1: k-means with "
                + "k = number of classes (k-means++, seeded).");
        if (Files.isRegularFile(files.trainingLog())) {
            TrainingLog.Contents log = TrainingLog.read(files.trainingLog());
            b.optTrainingLog(log);
            if (!log.validations().isEmpty()) {
                fact(b, "Validation", metrics, "validation");
            }
        }
        if (Files.isRegularFile(files.evalSource())) {
            EvalSource source = EvalSource.read(files.evalSource());
            b.optClassNames(source::className);
            ImageDataset images = DataOptions.load(source.data(), source.split()).withClasses(source.classes());
            if (images.size() == labels.length && Arrays.equals(images.labels(), labels)) {
                b.optImages(images::picture);
            } else {
                System.err.println("simforge report: the images of " + source.data() + " no longer match the run's "
                        + "labels; the report shows classes without images");
            }
        }
        Path out = target != null ? target : files.report();
        b.build().write(out);
        return out;
    }

    private static void fact(HtmlReport.Builder b, String name, JsonObject o, String key) {
        if (o.has(key) && o.get(key).isJsonPrimitive()) {
            b.optFact(name, o.get(key).getAsString());
        }
    }

    private static Map<String, Double> numbers(JsonObject o) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isNumber()) {
                m.put(e.getKey(), e.getValue().getAsDouble());
            }
        }
        return m;
    }
}
