package io.simforge.spark;

import io.simforge.core.linalg.PackedRows;
import io.simforge.core.search.ExactKnn;
import io.simforge.infer.ExactIndex;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Exact top-k of every query row among all gallery rows, with both tables spread over the cluster: the block join
 * behind {@link ExactTopK} and {@link RetrievalEvaluation}.
 *
 * <p>Each table is cut into {@link VectorBlock}s and cached (memory, spilling to disk, so a gallery larger than any
 * executor's memory still works). Every (query block, gallery block) pair is one task: it packs the gallery block
 * and scores it with {@link ExactKnn} — the kernel and tie rule of {@link ExactIndex} — keeping each query's best
 * k of that block. The partial lists of a query block are merged by score, then by global gallery index, so the
 * answer is what one machine would give, ties included: the lower index wins.
 */
final class BlockJoin {
    private BlockJoin() {}

    /** A table cut into cached blocks, with where each partition's rows start in the table's global order. */
    record Table(JavaRDD<VectorBlock> blocks, long[] offsets, long rows, int dim, int blockCount) {
        void release() {
            blocks.unpersist(false);
        }
    }

    /** How many neighbours query {@code row} of {@code block} needs. */
    @FunctionalInterface
    interface KOf extends Serializable {
        int k(VectorBlock block, int row);
    }

    /**
     * Cuts {@code data} into cached blocks. The global order is the Dataset's: partition by partition, rows in order
     * (so it must come from a deterministic source, such as files; {@code Dataset.checkpoint()} otherwise).
     *
     * @param labelCol null for none
     */
    static Table table(Dataset<Row> data, String idCol, String vectorCol, String labelCol, ExactIndex.Metric metric,
            int blockRows) {
        int id = data.schema().fieldIndex(idCol);
        int vector = data.schema().fieldIndex(vectorCol);
        int label = labelCol == null ? -1 : data.schema().fieldIndex(labelCol);
        JavaRDD<VectorBlock> blocks = data.toJavaRDD()
                .mapPartitionsWithIndex((p, rows) -> VectorBlock.cut(p, rows, id, vector, label, metric, blockRows), true)
                .filter(b -> b.rows() > 0)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        int partitions = blocks.getNumPartitions();
        long[] rowsIn = new long[partitions];
        List<int[]> sizes = blocks.map(b -> new int[] {b.partition(), b.rows(), b.dim()}).collect();
        sizes.forEach(t -> rowsIn[t[0]] += t[1]);
        int dim = sizes.stream().mapToInt(t -> t[2]).distinct().reduce((a, b) -> {
            throw new SimforgeSparkException("column '" + vectorCol + "' holds embeddings of " + a + " and " + b
                    + " dimensions; every embedding of a search must have one size");
        }).orElse(0);
        long[] offsets = new long[partitions];
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            offsets[p] = total;
            total += rowsIn[p];
        }
        return new Table(blocks, offsets, total, dim, sizes.size());
    }

    /**
     * Each query's neighbours: a list per query block, keyed by the block's {@link VectorBlock#key()}.
     *
     * @param self queries and gallery are one table: a row is never its own neighbour (excluded by index)
     */
    static JavaPairRDD<Long, TopLists> search(Table queries, Table gallery, boolean self, KOf kOf,
            boolean withLabels) {
        if (gallery.rows() == 0) {
            throw new SimforgeSparkException("the gallery has no embeddings to search (every row's embedding is null)");
        }
        if (queries.dim() != gallery.dim() && queries.rows() > 0) {
            throw new SimforgeSparkException("the queries are " + queries.dim() + "-d and the gallery " + gallery.dim()
                    + "-d: embed both with the same model");
        }
        Broadcast<long[]> queryOffsets = broadcast(queries);
        Broadcast<long[]> galleryOffsets = self ? queryOffsets : broadcast(gallery);
        int extra = self ? 1 : 0; // the row itself may be among a block's best: one more, dropped after the merge
        JavaPairRDD<Long, TopLists> partial = queries.blocks().cartesian(gallery.blocks()).mapToPair(pair -> {
            VectorBlock q = pair._1();
            VectorBlock g = pair._2();
            long galleryFirst = galleryOffsets.value()[g.partition()] + g.start();
            int[] k = new int[q.rows()];
            for (int i = 0; i < k.length; i++) {
                k[i] = kOf.k(q, i) + extra;
            }
            TopLists lists = new TopLists(queryOffsets.value()[q.partition()] + q.start(), k, withLabels);
            PackedRows packed = PackedRows.pack(g.vectors(), g.rows(), g.dim());
            ExactKnn.scan(q.vectors(), packed, i -> k[i], -1, (i, idx, score, count) -> {
                long[] index = new long[count];
                for (int r = 0; r < count; r++) {
                    index[r] = galleryFirst + idx[r];
                }
                lists.set(i, index, Arrays.copyOf(score, count), withLabels ? pickLabels(g.labels(), idx, count) : null);
            });
            return new Tuple2<>(q.key(), lists);
        });
        JavaPairRDD<Long, TopLists> merged = partial.reduceByKey(TopLists::merge, Math.max(1, queries.blockCount()));
        return self ? merged.mapValues(TopLists::withoutSelf) : merged;
    }

    private static Broadcast<long[]> broadcast(Table t) {
        return org.apache.spark.api.java.JavaSparkContext.fromSparkContext(t.blocks().context()).broadcast(t.offsets());
    }

    private static int[] pickLabels(int[] labels, int[] idx, int count) {
        int[] out = new int[count];
        for (int r = 0; r < count; r++) {
            out[r] = labels[idx[r]];
        }
        return out;
    }

    /**
     * The best neighbours found so far for each query of one block: gallery indices, scores, and their labels when
     * the caller asked for them, best first (score descending, then gallery index ascending), at most {@code k[q]} each.
     */
    static final class TopLists implements Serializable {
        private static final long serialVersionUID = 1L;

        final long queryFirst;
        final int[] k;
        final long[][] index;
        final float[][] score;
        final int[][] labels;

        TopLists(long queryFirst, int[] k, boolean withLabels) {
            this.queryFirst = queryFirst;
            this.k = k;
            this.index = new long[k.length][];
            this.score = new float[k.length][];
            this.labels = withLabels ? new int[k.length][] : null;
        }

        int queries() {
            return k.length;
        }

        void set(int q, long[] idx, float[] sc, int[] label) {
            index[q] = idx;
            score[q] = sc;
            if (labels != null) {
                labels[q] = label;
            }
        }

        /** Neighbours of query {@code q} (0 before any gallery block was scored for it). */
        int count(int q) {
            return index[q] == null ? 0 : index[q].length;
        }

        /** The best of both, per query: a merge of two ranked lists under one total order. */
        static TopLists merge(TopLists a, TopLists b) {
            TopLists out = new TopLists(a.queryFirst, a.k, a.labels != null);
            for (int q = 0; q < a.k.length; q++) {
                int na = a.count(q);
                int nb = b.count(q);
                int n = Math.min(a.k[q], na + nb);
                long[] idx = new long[n];
                float[] sc = new float[n];
                int[] label = a.labels != null ? new int[n] : null;
                int i = 0;
                int j = 0;
                for (int r = 0; r < n; r++) {
                    boolean fromA = j >= nb || (i < na && (a.score[q][i] > b.score[q][j]
                            || (a.score[q][i] == b.score[q][j] && a.index[q][i] < b.index[q][j])));
                    TopLists src = fromA ? a : b;
                    int at = fromA ? i++ : j++;
                    idx[r] = src.index[q][at];
                    sc[r] = src.score[q][at];
                    if (label != null) {
                        label[r] = src.labels[q][at];
                    }
                }
                out.set(q, idx, sc, label);
            }
            return out;
        }

        /** Drops each query's own row (self-join), or its last entry when the row was not among its best. */
        TopLists withoutSelf() {
            TopLists out = new TopLists(queryFirst, k, labels != null);
            for (int q = 0; q < k.length; q++) {
                int n = count(q);
                long self = queryFirst + q;
                int drop = n;
                for (int r = 0; r < n; r++) {
                    if (index[q][r] == self) {
                        drop = r;
                        break;
                    }
                }
                int keep = Math.min(drop < n ? n - 1 : n, k[q] - 1);
                long[] idx = new long[keep];
                float[] sc = new float[keep];
                int[] label = labels != null ? new int[keep] : null;
                for (int r = 0, w = 0; r < n && w < keep; r++) {
                    if (r == drop) {
                        continue;
                    }
                    idx[w] = index[q][r];
                    sc[w] = score[q][r];
                    if (label != null) {
                        label[w] = labels[q][r];
                    }
                    w++;
                }
                out.set(q, idx, sc, label);
            }
            return out;
        }
    }
}
