package io.simforge.spark;

import io.simforge.core.metrics.RetrievalMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The application {@code spark-submit} runs from the app jar (README, "On Apache Spark"): embeds every image under a
 * folder into {@code <output>/embeddings} (Parquet: id, label when the folder has class sub-folders, embedding,
 * embedding_error), prints how many were embedded and rejected, and optionally writes each image's k nearest
 * neighbours ({@code <output>/neighbours}) and prints Recall@K and MAP@R of a labelled folder.
 *
 * <pre>
 * EmbedImagesJob --model M.onnx --images DIR --output OUT [--top-k 10] [--metrics] [--batch-size 64]
 *                [--threads 1] [--device auto|cpu|cuda|cuda:N] [--block-rows 16384]
 * </pre>
 */
public final class EmbedImagesJob {
    private EmbedImagesJob() {}

    public static void main(String[] args) {
        Map<String, String> options = parse(args);
        SparkSession spark = SparkSession.builder().appName("simforge embed").getOrCreate();
        try {
            run(spark, options);
        } finally {
            spark.stop();
        }
    }

    static void run(SparkSession spark, Map<String, String> o) {
        String output = o.get("output");
        Dataset<Row> images = ImageFolder.read(spark, o.get("images"));
        Dataset<Row> embedded = new EmbeddingTransformer().setModelPath(o.get("model")).setIdCol("id")
                .setBatchSize(Integer.parseInt(o.getOrDefault("batch-size", "64")))
                .setThreads(Integer.parseInt(o.getOrDefault("threads", "1")))
                .setDevice(o.getOrDefault("device", EmbeddingTransformer.AUTO_DEVICE))
                .transform(images).drop("content", "path");
        String embeddings = output + "/embeddings";
        embedded.write().parquet(embeddings);
        // Counted from what was written, so a retried task cannot make them wrong.
        Dataset<Row> written = spark.read().parquet(embeddings);
        Row counts = written.agg(functions.count(functions.col("embedding")),
                functions.count(functions.col("embedding_error"))).first();
        System.out.printf(Locale.ROOT, "embedded %d images, rejected %d (reasons in the embedding_error column of %s)%n",
                counts.getLong(0), counts.getLong(1), embeddings);
        int blockRows = Integer.parseInt(o.getOrDefault("block-rows", "16384"));
        if (o.containsKey("top-k")) {
            String neighbours = output + "/neighbours";
            ExactTopK.builder().setGallery(written).setK(Integer.parseInt(o.get("top-k"))).optBlockRows(blockRows)
                    .build().run().write().parquet(neighbours);
            System.out.println("nearest neighbours of every image: " + neighbours);
        }
        if (o.containsKey("metrics")) {
            if (!Arrays.asList(written.columns()).contains("label")) {
                throw new SimforgeSparkException("--metrics needs labels: put the images in class sub-folders");
            }
            RetrievalMetrics.Scores s = RetrievalEvaluation.evaluate(written, "embedding", "label",
                    new int[] {1, 2, 4, 8}, blockRows);
            s.toMap().forEach((k, v) -> System.out.printf(Locale.ROOT, "%-12s %.4f%n", k, v));
        }
    }

    private static final List<String> VALUED = List.of("model", "images", "output", "top-k", "batch-size", "threads",
            "device", "block-rows");

    static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") ? a.substring(2) : null;
            if (name != null && VALUED.contains(name) && i + 1 < args.length) {
                o.put(name, args[++i]);
            } else if ("metrics".equals(name)) {
                o.put(name, "true");
            } else {
                problems.add("unknown or incomplete argument '" + a + "'");
            }
        }
        for (String required : List.of("model", "images", "output")) {
            if (!o.containsKey(required)) {
                problems.add("--" + required + " is required");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems) + ". Usage: EmbedImagesJob --model M.onnx "
                    + "--images DIR --output OUT [--top-k K] [--metrics] [--batch-size N] [--threads T] "
                    + "[--device auto|cpu|cuda|cuda:N] [--block-rows N]");
        }
        return o;
    }
}
