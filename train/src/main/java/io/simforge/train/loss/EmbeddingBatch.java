package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link MetricLoss} sees: embeddings, their labels, which dataset items they are, how rows group into
 * anchors, and what the rows are paired with.
 *
 * <p>A plain batch has one row per anchor ({@code groups == 1}). A batch that carries several views of
 * each anchor stacks them in blocks: rows {@code [0, B)} are the originals, and block {@code g} holds one
 * more view of every original in the same order, so row {@code g·B + i} belongs to anchor {@code i}.
 * Embedding Expansion produces such a batch; losses that mine hard pairs per anchor (the batch-hard
 * triplet) use the grouping, the others simply treat every row as an anchor.
 *
 * <p>Without {@link #references()} the rows are paired with each other (a square pair matrix; a row never with
 * itself, by index). With references (the {@link CrossBatchMemory}), every row is paired with every reference
 * instead (a rows × references matrix): a pair-based loss then computes its per-anchor terms over the
 * references, and a row and a reference that are the same dataset item ({@link #ids()}) are never a pair.
 *
 * @param embeddings {@code (groups·B) × d}
 * @param labels {@code groups·B} integer labels
 * @param groups number of row blocks (1 for a plain batch)
 * @param ids {@code groups·B} dataset item ids (-1: a row that is no item, such as a synthetic point), or null
 *     when unknown
 * @param references what the rows are paired with instead of each other, or null
 */
public record EmbeddingBatch(NDArray embeddings, NDArray labels, int groups, NDArray ids, References references) {

    /**
     * Embeddings the rows of a batch are paired with, without gradient: rows of earlier batches.
     *
     * @param embeddings {@code n × d}
     * @param labels {@code n} integer labels
     * @param ids {@code n} dataset item ids
     */
    public record References(NDArray embeddings, NDArray labels, NDArray ids) {
        public References {
            long n = embeddings.getShape().get(0);
            if (labels.size() != n || ids.size() != n) {
                throw new IllegalArgumentException(n + " reference embeddings but " + labels.size() + " labels and "
                        + ids.size() + " ids");
            }
        }

        public long size() {
            return embeddings.getShape().get(0);
        }
    }

    public EmbeddingBatch {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("embeddings must be a matrix (rows × dimension), got shape "
                    + embeddings.getShape());
        }
        long rows = embeddings.getShape().get(0);
        if (labels.size() != rows) {
            throw new IllegalArgumentException(rows + " embeddings but " + labels.size() + " labels");
        }
        if (ids != null && ids.size() != rows) {
            throw new IllegalArgumentException(rows + " embeddings but " + ids.size() + " item ids");
        }
        if (groups < 1 || rows % groups != 0) {
            throw new IllegalArgumentException(rows + " rows cannot form " + groups + " equal blocks");
        }
        if (references != null && references.embeddings().getShape().get(1) != embeddings.getShape().get(1)) {
            throw new IllegalArgumentException("the references are " + references.embeddings().getShape().get(1)
                    + "-d, the embeddings " + embeddings.getShape().get(1) + "-d");
        }
    }

    /** A plain batch of unknown items. */
    public static EmbeddingBatch of(NDArray embeddings, NDArray labels) {
        return new EmbeddingBatch(embeddings, labels, 1, null, null);
    }

    /** A plain batch of the dataset items {@code ids}. */
    public static EmbeddingBatch of(NDArray embeddings, NDArray labels, NDArray ids) {
        return new EmbeddingBatch(embeddings, labels, 1, ids, null);
    }

    /** The same rows, paired with {@code references} instead of each other. */
    public EmbeddingBatch pairedWith(References references) {
        return new EmbeddingBatch(embeddings, labels, groups, ids, references);
    }

    /** Rows per block: the number of original anchors. */
    public long anchors() {
        return embeddings.getShape().get(0) / groups;
    }

    /** True when the rows are paired with each other (no {@link #references()}). */
    public boolean square() {
        return references == null;
    }

    /** Cosine similarities of every pair: rows × rows, or rows × references. */
    public NDArray similarities() {
        return square() ? Similarities.cosine(embeddings) : Similarities.cosine(embeddings, references.embeddings());
    }

    /** Euclidean distances of every pair: rows × rows, or rows × references. */
    public NDArray distances() {
        return square() ? Similarities.euclidean(embeddings)
                : Similarities.euclidean(embeddings, references.embeddings());
    }

    /** Which pairs are positive and negative, of the same shape as {@link #similarities()}. */
    public PairMasks masks() {
        return square() ? PairMasks.of(labels) : PairMasks.between(labels, ids, references.labels(), references.ids());
    }
}
