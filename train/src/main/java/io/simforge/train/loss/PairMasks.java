package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Positive and negative pair masks, from labels alone. A positive pair shares a label and is not the same item;
 * an item is excluded by index (in a batch, its own row) or by its dataset id (against references), never by a
 * similarity threshold, which would also drop genuine duplicates.
 */
public record PairMasks(NDArray positives, NDArray negatives) {

    /** Rows of one batch against each other: a row is never its own positive. */
    public static PairMasks of(NDArray labels) {
        long m = labels.size();
        NDArray same = labels.reshape(m, 1).eq(labels.reshape(1, m));
        NDArray notSelf = labels.getManager().eye((int) m).toType(DataType.BOOLEAN, false).logicalNot();
        return new PairMasks(same.logicalAnd(notSelf), same.logicalNot());
    }

    /**
     * Rows against references (e.g. a memory of earlier batches): a row and a reference with the same item id are
     * never a positive pair.
     *
     * @param rowIds the rows' item ids, or null when unknown (then no pair is excluded)
     */
    public static PairMasks between(NDArray rowLabels, NDArray rowIds, NDArray referenceLabels, NDArray referenceIds) {
        long m = rowLabels.size();
        long n = referenceLabels.size();
        NDArray same = rowLabels.reshape(m, 1).eq(referenceLabels.reshape(1, n));
        NDArray positives = rowIds == null ? same
                : same.logicalAnd(rowIds.reshape(m, 1).neq(referenceIds.reshape(1, n)));
        return new PairMasks(positives, same.logicalNot());
    }
}
