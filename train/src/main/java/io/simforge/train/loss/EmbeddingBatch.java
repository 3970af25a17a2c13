package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link MetricLoss} sees: embeddings, their labels, and how rows group into anchors.
 *
 * <p>A plain batch has one row per anchor ({@code groups == 1}). A batch that carries several views of
 * each anchor stacks them in blocks: rows {@code [0, B)} are the originals, and block {@code g} holds one
 * more view of every original in the same order, so row {@code g·B + i} belongs to anchor {@code i}.
 * Embedding Expansion produces such a batch; losses that mine hard pairs per anchor (the batch-hard
 * triplet) use the grouping, the others simply treat every row as an anchor.
 *
 * @param embeddings {@code (groups·B) × d}
 * @param labels {@code groups·B} integer labels
 * @param groups number of row blocks (1 for a plain batch)
 */
public record EmbeddingBatch(NDArray embeddings, NDArray labels, int groups) {

    public EmbeddingBatch {
        long rows = embeddings.getShape().get(0);
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("embeddings must be a matrix (rows × dimension), got shape "
                    + embeddings.getShape());
        }
        if (labels.size() != rows) {
            throw new IllegalArgumentException(rows + " embeddings but " + labels.size() + " labels");
        }
        if (groups < 1 || rows % groups != 0) {
            throw new IllegalArgumentException(rows + " rows cannot form " + groups + " equal blocks");
        }
    }

    public static EmbeddingBatch of(NDArray embeddings, NDArray labels) {
        return new EmbeddingBatch(embeddings, labels, 1);
    }

    /** Rows per block: the number of original anchors. */
    public long anchors() {
        return embeddings.getShape().get(0) / groups;
    }
}
