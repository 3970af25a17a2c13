package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.io.Npy;
import io.simforge.eval.Evaluation;
import io.simforge.eval.EvaluationResult;
import io.simforge.infer.ExactIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed block join against one machine: {@link ExactIndex} on the same rows in the same order, and an
 * exact float64 loop on integer vectors (whose inner products are exact, so ties are real ties), with several
 * partitions and blocks smaller than a partition; Recall@K and MAP@R against {@code simforge eval}.
 */
class ExactTopKTest {
    @TempDir
    static Path dir;

    static SparkSession spark;

    static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType));

    @BeforeAll
    static void setUp() {
        spark = SparkFixtures.session("local[2]");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** Small integer vectors, many exact duplicates (ties), in a table of {@code partitions} partitions. */
    static float[] integerVectors(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            if (i > 0 && r.nextInt(4) == 0) { // a duplicate of an earlier row: a tie with it for every query
                System.arraycopy(v, r.nextInt(i) * dim, v, i * dim, dim);
                continue;
            }
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] = r.nextInt(5) - 2;
            }
        }
        return v;
    }

    static Dataset<Row> table(float[] v, int[] labels, int dim, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < v.length / dim; i++) {
            rows.add(RowFactory.create("item-" + i, labels == null ? 0 : labels[i],
                    Arrays.copyOfRange(v, i * dim, (i + 1) * dim)));
        }
        // parallelize keeps the order: partition p holds a consecutive range of rows.
        return spark.createDataFrame(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(rows, partitions), SCHEMA);
    }

    /** id → [(neighbour id, score)] from the Spark result. */
    static Map<String, List<Object[]>> collect(Dataset<Row> result) {
        Map<String, List<Object[]>> out = new HashMap<>();
        for (Row r : result.collectAsList()) {
            List<Object[]> hits = new ArrayList<>();
            for (Row h : r.<Row>getList(1)) {
                hits.add(new Object[] {h.getString(0), h.getFloat(2), h.getLong(1)});
            }
            out.put(r.getString(0), hits);
        }
        return out;
    }

    @Test
    void selfJoinEqualsAFloat64LoopOnExactTiesAndExcludesOnlyTheRowItself() {
        int n = 300;
        int dim = 8;
        int k = 7;
        float[] v = integerVectors(n, dim, 1);
        Map<String, List<Object[]>> got = collect(ExactTopK.builder().setGallery(table(v, null, dim, 5)).setK(k)
                .optMetric(ExactIndex.Metric.DOT).optBlockRows(23).build().run());
        assertEquals(n, got.size());
        int ties = 0;
        for (int q = 0; q < n; q++) {
            // Reference: every other row, inner product in float64 (exact for these integers), best first, ties to
            // the lower row.
            List<double[]> all = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (j == q) {
                    continue;
                }
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (double) v[q * dim + d] * v[j * dim + d];
                }
                all.add(new double[] {s, j});
            }
            all.sort(Comparator.<double[]>comparingDouble(a -> -a[0]).thenComparingDouble(a -> a[1]));
            List<Object[]> hits = got.get("item-" + q);
            assertEquals(k, hits.size());
            for (int r = 0; r < k; r++) {
                assertEquals("item-" + (int) all.get(r)[1], hits.get(r)[0], "query " + q + " rank " + r);
                assertEquals(all.get(r)[0], (float) hits.get(r)[1], 0.0);
                assertEquals((long) all.get(r)[1], hits.get(r)[2]);
            }
            if (all.get(k - 1)[0] == all.get(k)[0]) {
                ties++;
            }
        }
        assertTrue(ties > 50, "the data must put ties at the cut-off to test them, found " + ties);
    }

    @Test
    void queriesAgainstAGalleryEqualExactIndexBitForBit() {
        int dim = 16;
        Random r = new Random(4);
        float[] gallery = new float[500 * dim];
        for (int i = 0; i < gallery.length; i++) {
            gallery[i] = (float) r.nextGaussian();
        }
        // Exact duplicates in the gallery: equal cosine scores, the earlier row must win.
        System.arraycopy(gallery, 3 * dim, gallery, 400 * dim, dim);
        System.arraycopy(gallery, 3 * dim, gallery, 401 * dim, dim);
        float[] queries = new float[60 * dim];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = (float) r.nextGaussian();
        }
        System.arraycopy(gallery, 3 * dim, queries, 0, dim);
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.COSINE);
        for (int i = 0; i < 500; i++) {
            index.add("item-" + i, Arrays.copyOfRange(gallery, i * dim, (i + 1) * dim));
        }
        List<List<ExactIndex.Hit>> want = index.search(queries, 10);
        Dataset<Row> q = table(queries, null, dim, 3).withColumn("id", org.apache.spark.sql.functions.concat(
                org.apache.spark.sql.functions.lit("q-"), org.apache.spark.sql.functions.col("id")));
        Map<String, List<Object[]>> got = collect(ExactTopK.builder().setGallery(table(gallery, null, dim, 4))
                .optQueries(q).setK(10).optBlockRows(64).build().run());
        assertEquals(60, got.size());
        for (int i = 0; i < 60; i++) {
            List<Object[]> hits = got.get("q-item-" + i);
            for (int rank = 0; rank < 10; rank++) {
                assertEquals(want.get(i).get(rank).id(), hits.get(rank)[0], "query " + i + " rank " + rank);
                assertEquals(want.get(i).get(rank).score(), (float) hits.get(rank)[1], 0.0f);
            }
        }
        assertEquals(List.of("item-3", "item-400", "item-401"),
                got.get("q-item-0").subList(0, 3).stream().map(h -> (String) h[0]).toList());
    }

    @Test
    void recallAndMapAtREqualSimforgeEvalOnTheSameEmbeddings() throws Exception {
        int n = 400;
        int dim = 12;
        Random r = new Random(7);
        int[] labels = new int[n];
        float[] centres = new float[9 * dim];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) r.nextGaussian();
        }
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(9);
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] = centres[labels[i] * dim + d] + 1.2f * (float) r.nextGaussian();
                norm += (double) v[i * dim + d] * v[i * dim + d];
            }
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] /= (float) Math.sqrt(norm);
            }
            if (i > 0 && r.nextInt(10) == 0) { // duplicates across classes: ties that decide hits
                int j = r.nextInt(i);
                System.arraycopy(v, j * dim, v, i * dim, dim);
            }
        }
        Path e = dir.resolve("e.npy");
        Path y = dir.resolve("y.npy");
        Npy.writeFloats(e, v, n, dim);
        Npy.writeInts(y, labels);
        EvaluationResult reference = Evaluation.builder().setEmbeddings(e, y).optRecallKs(1, 2, 4, 8).build().run();
        RetrievalMetrics.Scores scores = RetrievalEvaluation.evaluate(table(v, labels, dim, 4), "embedding", "label",
                new int[] {1, 2, 4, 8}, 37);
        Map<String, Double> got = scores.toMap();
        for (String key : List.of("recall@1", "recall@2", "recall@4", "recall@8", "p@1", "map@r", "r_precision")) {
            assertEquals(reference.learned().get(key), got.get(key), 0.0, key);
        }
        assertEquals(n, scores.queries());
    }

    @Test
    void aSparkTableBecomesTheSameIndexFile() throws Exception {
        float[] v = integerVectors(90, 5, 3);
        Path file = dir.resolve("from-spark.sfindex");
        assertEquals(90, SimforgeIndexFiles.write(table(v, null, 5, 3), "id", "embedding", ExactIndex.Metric.COSINE,
                ExactIndex.Storage.FLOAT32, file));
        ExactIndex loaded = ExactIndex.load(file);
        ExactIndex direct = new ExactIndex(5, ExactIndex.Metric.COSINE);
        for (int i = 0; i < 90; i++) {
            direct.add("item-" + i, Arrays.copyOfRange(v, i * 5, i * 5 + 5));
        }
        assertEquals(direct.search(v, 6), loaded.search(v, 6));
    }

    @Test
    void badInputIsRefusedWithTheFix() {
        SimforgeSparkException noK = assertThrows(SimforgeSparkException.class,
                () -> ExactTopK.builder().setGallery(table(integerVectors(3, 2, 1), null, 2, 1)).build());
        assertTrue(noK.getMessage().contains("k must be at least 1"), noK.getMessage());
        SimforgeSparkException column = assertThrows(SimforgeSparkException.class, () -> ExactTopK.builder()
                .setGallery(table(integerVectors(3, 2, 1), null, 2, 1)).setK(1).optEmbeddingColumn("vec").build());
        assertTrue(column.getMessage().contains("no column 'vec'"), column.getMessage());
    }
}
