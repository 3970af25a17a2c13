package io.simforge.spark;

import io.simforge.infer.ExactIndex;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Consecutive rows of one partition of an embedding table, ready for the search kernel: their vectors row-major and
 * already in the metric's form ({@link ExactIndex.Metric#prepare}), their ids and (for metrics) labels. A row's
 * global index, which breaks ties, is its partition's offset plus {@code start} plus its place in the block.
 *
 * @param partition the partition the rows come from
 * @param start the first row's place within its partition
 */
record VectorBlock(int partition, int start, int rows, int dim, float[] vectors, String[] ids, int[] labels)
        implements Serializable {

    /** The key of a block in its table: partition and start, in one long. */
    long key() {
        return (long) partition << 32 | start;
    }

    /**
     * Cuts one partition's rows into blocks of at most {@code blockRows}, lazily (one block in memory at a time). Rows
     * whose embedding is null (rejected images) are skipped; a vector of another length, or with a NaN or infinite
     * value, stops the job with the row's id.
     *
     * @param labelIndex the label column's index, or -1 for none
     */
    static Iterator<VectorBlock> cut(int partition, Iterator<Row> rows, int idIndex, int vectorIndex, int labelIndex,
            ExactIndex.Metric metric, int blockRows) {
        return new Iterator<>() {
            private int start;
            private int dim = -1;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public VectorBlock next() {
                float[] vectors = null;
                String[] ids = new String[blockRows];
                int[] labels = labelIndex >= 0 ? new int[blockRows] : null;
                int n = 0;
                while (n < blockRows && rows.hasNext()) {
                    Row row = rows.next();
                    if (row.isNullAt(vectorIndex)) {
                        continue;
                    }
                    String id = row.isNullAt(idIndex) ? null : String.valueOf(row.get(idIndex));
                    float[] v = values(row.get(vectorIndex));
                    if (dim < 0) {
                        dim = v.length;
                    }
                    if (v.length != dim || dim == 0) {
                        throw new SimforgeSparkException("row '" + id + "' has a " + v.length + "-d embedding, others "
                                + "in its partition are " + dim + "-d: every embedding of a search must have one size");
                    }
                    for (float x : v) {
                        if (!Float.isFinite(x)) {
                            throw new SimforgeSparkException("row '" + id + "' has a NaN or infinite value in its "
                                    + "embedding; filter it out (or embed it again) before searching");
                        }
                    }
                    if (labels != null) {
                        if (row.isNullAt(labelIndex)) {
                            throw new SimforgeSparkException("row '" + id + "' has no label; metrics need a label on "
                                    + "every row");
                        }
                        labels[n] = ((Number) row.get(labelIndex)).intValue();
                    }
                    if (vectors == null) {
                        vectors = new float[blockRows * dim];
                    }
                    metric.prepare(v, 0, dim);
                    System.arraycopy(v, 0, vectors, n * dim, dim);
                    ids[n++] = id;
                }
                VectorBlock block = new VectorBlock(partition, start, n, Math.max(dim, 0),
                        vectors == null ? new float[0] : java.util.Arrays.copyOf(vectors, n * dim),
                        java.util.Arrays.copyOf(ids, n), labels == null ? null : java.util.Arrays.copyOf(labels, n));
                start += n;
                return block; // may be empty when the partition ends in rows without embeddings
            }
        };
    }

    /** An embedding cell as floats: {@code array<float>}, {@code array<double>} or an ML {@code Vector}. */
    static float[] values(Object cell) {
        if (cell instanceof Vector v) {
            float[] out = new float[v.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) v.apply(i);
            }
            return out;
        }
        if (cell instanceof scala.collection.Seq<?> seq) {
            List<?> list = scala.jdk.javaapi.CollectionConverters.asJava(seq);
            float[] out = new float[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = ((Number) list.get(i)).floatValue();
            }
            return out;
        }
        throw new SimforgeSparkException("an embedding column must be array<float>, array<double> or an ML Vector, "
                + "not " + cell.getClass().getName());
    }
}
