package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that dies after the transformer has embedded part of its partition is retried by Spark ({@code local[2,3]}:
 * up to 3 attempts), and the Parquet output has every row exactly once, with the embeddings an undisturbed run gives.
 */
class TaskRetryTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static Path model;
    static Path images;

    @BeforeAll
    static void setUp() throws Exception {
        model = SparkFixtures.model(dir);
        images = dir.resolve("images");
        SparkFixtures.writePngs(images, 12);
        spark = SparkFixtures.session("local[2,3]");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    @Test
    void aTaskKilledMidPartitionIsRetriedAndNoRowIsLostOrDoubled() throws Exception {
        Dataset<Row> folder = ImageFolder.read(spark, images.toString()).repartition(4);
        EmbeddingTransformer embed = new EmbeddingTransformer().setModelPath(model.toString()).setBatchSize(4);
        Map<String, List<Float>> calm = new HashMap<>();
        embed.transform(folder).select("id", "embedding").collectAsList()
                .forEach(r -> calm.put(r.getString(0), r.getList(1)));
        assertEquals(60, calm.size());

        // The first attempt of partition 2's task dies at its 10th row, after two batches were embedded and handed on.
        UDF1<String, String> dieOnce = new DieOnce();
        Path out = dir.resolve("out.parquet");
        embed.transform(folder)
                .withColumn("id", functions.udf(dieOnce, DataTypes.StringType).apply(functions.col("id")))
                .select("id", "label", "embedding").write().parquet(out.toString());

        List<Row> written = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(60, written.size(), "no row lost or doubled");
        assertEquals(calm.keySet(), new java.util.HashSet<>(written.stream().map(r -> r.getString(0)).toList()));
        for (Row r : written) {
            assertEquals(calm.get(r.getString(0)), r.getList(2), r.getString(0));
        }
    }

    /** Passes ids through, but the first attempt of partition 2's task throws at its 10th row. */
    private static final class DieOnce implements UDF1<String, String> {
        private static final long serialVersionUID = 1L;
        private int seen;

        @Override
        public String call(String id) {
            TaskContext task = TaskContext.get();
            if (task.partitionId() == 2 && task.attemptNumber() == 0 && ++seen == 10) {
                throw new IllegalStateException("simulated executor failure in partition 2");
            }
            return id;
        }
    }
}
