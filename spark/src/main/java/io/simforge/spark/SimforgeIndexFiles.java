package io.simforge.spark;

import io.simforge.infer.ExactIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Turns an embedding table computed on Spark back into a simforge index file ({@code .sfindex}, what
 * {@code simforge index} writes and {@code simforge search} and {@link ExactIndex#load} read), on the driver.
 *
 * <p>Rows stream to the driver one partition at a time ({@code toLocalIterator}) in the table's order, which is the
 * index's order and so its tie order; rows whose embedding is null are skipped. The index itself is held in the
 * driver's memory while it is written (about {@code rows × dim × 4} bytes, half with float16 storage): it is for the
 * galleries one machine serves.
 */
public final class SimforgeIndexFiles {
    private SimforgeIndexFiles() {}

    /**
     * Writes {@code table}'s {@code idCol} and {@code embeddingCol} to {@code file} (atomically).
     *
     * @return the number of items written
     */
    public static int write(Dataset<Row> table, String idCol, String embeddingCol, ExactIndex.Metric metric,
            ExactIndex.Storage storage, Path file) throws IOException {
        Dataset<Row> rows = table.select(functions.col(idCol), functions.col(embeddingCol))
                .filter(functions.col(embeddingCol).isNotNull());
        ExactIndex index = null;
        for (Iterator<Row> it = rows.toLocalIterator(); it.hasNext(); ) {
            Row row = it.next();
            float[] v = VectorBlock.values(row.get(1));
            if (index == null) {
                index = new ExactIndex(v.length, metric, storage);
            }
            index.add(String.valueOf(row.get(0)), v);
        }
        if (index == null) {
            throw new SimforgeSparkException("no row has an embedding: nothing to index");
        }
        index.save(file);
        return index.size();
    }
}
