package io.simforge.spark;

import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.infer.ExactIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Recall@K, P@1, MAP@R and R-Precision of a labelled embedding table, leave-one-out (every row a query against all
 * others, methods.md §5), from the distributed self-join of {@link ExactTopK}: the numbers {@code simforge eval
 * --embeddings E.npy --labels Y.npy} prints for the same rows in the same order, to the last bit.
 *
 * <p>Like {@code simforge eval}, it scores the embeddings as they are (inner product; the model's embeddings are
 * L2-normalised). Each query needs max(K, R) neighbours, R being the other rows of its class, so big classes cost
 * memory per query as they do on one machine. Per-query outcomes are computed next to the neighbours and summed on
 * the driver in row order ({@link RetrievalMetrics.Summary}), streamed one block at a time.
 */
public final class RetrievalEvaluation {
    private RetrievalEvaluation() {}

    /**
     * @param labelCol an integer column (index string labels with Spark's {@code StringIndexer} first)
     * @param ks the K of Recall@K, e.g. 1, 2, 4, 8
     * @param blockRows rows per block of the self-join (see {@link ExactTopK.Builder#optBlockRows})
     */
    public static RetrievalMetrics.Scores evaluate(Dataset<Row> data, String embeddingCol, String labelCol,
            int[] ks, int blockRows) {
        if (ks.length == 0 || java.util.Arrays.stream(ks).anyMatch(k -> k < 1)) {
            throw new SimforgeSparkException("give each K of Recall@K as a positive number, got "
                    + java.util.Arrays.toString(ks));
        }
        if (!List.of(data.columns()).contains(labelCol) || !List.of(data.columns()).contains(embeddingCol)) {
            throw new SimforgeSparkException("metrics need an embedding column '" + embeddingCol + "' and a label "
                    + "column '" + labelCol + "'; the columns are " + List.of(data.columns()));
        }
        Dataset<Row> rows = data.filter(functions.col(embeddingCol).isNotNull());
        Map<Integer, Long> sizes = new HashMap<>();
        for (Row r : rows.groupBy(labelCol).count().collectAsList()) {
            if (r.isNullAt(0)) {
                throw new SimforgeSparkException("some rows have no label; metrics need a label on every row");
            }
            sizes.put(((Number) r.get(0)).intValue(), r.getLong(1));
        }
        int maxK = java.util.Arrays.stream(ks).max().getAsInt();
        Broadcast<Map<Integer, Long>> classSize = org.apache.spark.api.java.JavaSparkContext
                .fromSparkContext(data.sparkSession().sparkContext()).broadcast(sizes);
        // Any column names the rows in messages; the label is what the metrics need.
        BlockJoin.Table table = BlockJoin.table(rows, labelCol, embeddingCol, labelCol, ExactIndex.Metric.DOT,
                blockRows);
        if (table.rows() < 2) {
            throw new SimforgeSparkException("leave-one-out retrieval needs at least 2 embedded rows, got "
                    + table.rows());
        }
        JavaRDD<List<RetrievalMetrics.QueryOutcome>> outcomes = BlockJoin.search(table, table, true,
                (block, i) -> (int) Math.max(maxK, classSize.value().get(block.labels()[i]) - 1), true)
                .join(table.blocks().mapToPair(b -> new scala.Tuple2<>(b.key(), b.labels())))
                .sortByKey()
                .map(t -> {
                    BlockJoin.TopLists lists = t._2()._1();
                    int[] queryLabels = t._2()._2();
                    List<RetrievalMetrics.QueryOutcome> out = new ArrayList<>(lists.queries());
                    for (int i = 0; i < lists.queries(); i++) {
                        int[] labels = lists.labels[i];
                        int relevant = (int) (classSize.value().get(queryLabels[i]) - 1);
                        out.add(RetrievalMetrics.QueryOutcome.of(queryLabels[i], relevant, r -> labels[r],
                                lists.count(i)));
                    }
                    return out;
                });
        RetrievalMetrics.Summary summary = new RetrievalMetrics.Summary(ks, true);
        for (Iterator<List<RetrievalMetrics.QueryOutcome>> it = outcomes.toLocalIterator(); it.hasNext(); ) {
            it.next().forEach(summary::add);
        }
        table.release();
        return summary.scores();
    }
}
