package io.simforge.spark;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.infer.Embedder;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The figures of docs/benchmarks.md, "On Apache Spark" (run with {@code -Pspark-bench}; minutes, not part of the
 * default build). Each comparison alternates its two sides round by round in one JVM and prints every round.
 *
 * <ul>
 *   <li>Embedding: {@code simforge embed} ({@link ExtractionJob}, one JVM, ONNX Runtime on every core, decoding on
 *       the other threads) against the transformer in {@code local[2]} (two tasks, one intra-op thread each) on the
 *       same 20,000 PNG files, writing Parquet with the columns simforge embed writes
 *       ({@code -Dsimforge.bench.widths=32,64,128} for a heavier network than the default widths 4, 8). Each round
 *       prints wall time, this JVM's CPU time per image, and the load average at its start and end.
 *   <li>Search: the exact self-join top-10 of 200,000 × 128-d vectors, {@link ExactIndex} (every row a query, k = 11,
 *       the row itself dropped) against {@link ExactTopK} in {@code local[2]}, and in {@code local[1]} for how time
 *       goes with executor cores ({@code -Dsimforge.bench.masters=local[2]} runs one of them).
 * </ul>
 */
@EnabledIfSystemProperty(named = "simforge.bench", matches = "true")
class SparkBenchmark {
    private static final Path WORK = Path.of(System.getProperty("simforge.benchDir", "target/spark-bench"));

    @Test
    void embedding() throws Exception {
        int images = Integer.getInteger("simforge.bench.images", 20_000);
        int rounds = Integer.getInteger("simforge.bench.rounds", 3);
        Path folder = WORK.resolve("images-" + images);
        writeImages(folder, images);
        int[] widths = java.util.Arrays.stream(System.getProperty("simforge.bench.widths", "4,8").split(","))
                .mapToInt(Integer::parseInt).toArray();
        String name = String.join("-", java.util.Arrays.stream(widths).mapToObj(Integer::toString).toList());
        Path model = SparkFixtures.model(Files.createDirectories(WORK.resolve("model-" + name)), widths);
        System.out.printf(Locale.ROOT, "model: untrained ConvNet 1×28×28 → 16-d (widths %s); %d PNG files%n",
                java.util.Arrays.toString(widths), images);
        SparkSession spark = SparkFixtures.session("local[2]");
        try {
            for (int round = 1; round <= rounds; round++) {
                Path out = WORK.resolve("embed-out");
                delete(out);
                String load = loadAverage();
                long t0 = System.nanoTime();
                long c0 = processCpuNanos();
                try (Embedder e = Embedder.builder().setModelPath(model).build()) {
                    ExtractionJob.builder().setEmbedder(e, model).setOutput(out)
                            .setSource(ItemSource.folder(folder, e.imagePreprocessor())).build().run();
                }
                double single = (System.nanoTime() - t0) / 1e9;
                double singleCpu = (processCpuNanos() - c0) / 1e9;
                Path parquet = WORK.resolve("spark-out");
                delete(parquet);
                t0 = System.nanoTime();
                c0 = processCpuNanos();
                // The columns simforge embed writes (ids, labels, embeddings; rejects apart), as EmbedImagesJob does.
                new EmbeddingTransformer().setModelPath(model.toString()).transform(
                        ImageFolder.read(spark, folder.toString())).drop("content", "path").write()
                        .parquet(parquet.toString());
                double distributed = (System.nanoTime() - t0) / 1e9;
                double distributedCpu = (processCpuNanos() - c0) / 1e9;
                System.out.printf(Locale.ROOT, "round %d (load %s -> %s): simforge embed %.1f s = %.0f images/s, CPU %.1f s "
                        + "= %.0f µs/image | transformer local[2] %.1f s = %.0f images/s, CPU %.1f s = %.0f µs/image "
                        + "| ratio %.2f%n", round, load, loadAverage(), single, images / single, singleCpu,
                        singleCpu * 1e6 / images, distributed, images / distributed, distributedCpu,
                        distributedCpu * 1e6 / images, single / distributed);
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void selfJoin() {
        int n = Integer.getInteger("simforge.bench.rows", 200_000);
        int dim = 128;
        int rounds = Integer.getInteger("simforge.bench.rounds", 2);
        int blockRows = Integer.getInteger("simforge.bench.blockRows", 50_000);
        Random r = new Random(1);
        float[] v = new float[n * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("item-" + i, java.util.Arrays.copyOfRange(v, i * dim, (i + 1) * dim)));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType)
                .add("embedding", DataTypes.createArrayType(DataTypes.FloatType));
        for (String master : System.getProperty("simforge.bench.masters", "local[2],local[1]").split(",")) {
            SparkSession spark = SparkFixtures.session(master);
            try {
                Dataset<Row> table = spark.createDataFrame(org.apache.spark.api.java.JavaSparkContext
                        .fromSparkContext(spark.sparkContext()).parallelize(rows, 8), schema).cache();
                table.count();
                for (int round = 1; round <= rounds; round++) {
                    long t0 = System.nanoTime();
                    ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.COSINE);
                    List<String> ids = rows.stream().map(x -> x.getString(0)).toList();
                    index.addAll(ids, v);
                    List<List<ExactIndex.Hit>> hits = index.search(v, 11);
                    double single = (System.nanoTime() - t0) / 1e9;
                    t0 = System.nanoTime();
                    long written = ExactTopK.builder().setGallery(table).setK(10).optBlockRows(blockRows).build()
                            .run().count();
                    double distributed = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "self-join top-10 of %d × %d: round %d: ExactIndex (all cores) %.1f s "
                            + "| ExactTopK %s, blocks of %d rows, %.1f s (%d rows) | ratio %.2f%n", n, dim, round, single,
                            master, blockRows, distributed, written, single / distributed);
                    if (hits.size() != n) {
                        throw new AssertionError("ExactIndex answered " + hits.size() + " queries");
                    }
                    if (master.equals("local[1]")) {
                        break; // one round shows the scaling
                    }
                }
            } finally {
                spark.stop();
            }
        }
    }

    /** The 10,000 bundled test images, each written {@code count / 10000} times under different names. */
    private static void writeImages(Path folder, int count) throws Exception {
        if (Files.isDirectory(folder)) {
            return;
        }
        ImageDataset test = FashionMnist.bundledTestSplit();
        Path staging = folder.resolveSibling(folder.getFileName() + ".tmp");
        delete(staging);
        for (int i = 0; i < count; i++) {
            int item = i % test.size();
            Path f = staging.resolve("class-" + test.label(item)).resolve(String.format("img-%05d.png", i));
            Files.createDirectories(f.getParent());
            ImageIO.write(test.picture(item), "png", f.toFile());
        }
        Files.move(staging, folder);
    }

    /** CPU time of this JVM, every thread: the per-image cost that a busy machine distorts least. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1-, 5- and 15-minute load averages. */
    private static String loadAverage() throws java.io.IOException {
        Path loadavg = Path.of("/proc/loadavg");
        return Files.exists(loadavg) ? String.join(" ", java.util.Arrays.copyOf(Files.readString(loadavg).split(" "), 3))
                : "?";
    }

    private static void delete(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
