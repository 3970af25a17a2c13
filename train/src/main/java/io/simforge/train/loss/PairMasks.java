package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Positive and negative pair masks of a batch, from labels alone. A positive pair shares a label and is
 * not the same row; self-pairs are excluded by index, never by a similarity threshold (which would also
 * drop genuine duplicates).
 */
public record PairMasks(NDArray positives, NDArray negatives) {

    public static PairMasks of(NDArray labels) {
        long m = labels.size();
        NDArray column = labels.reshape(m, 1);
        NDArray row = labels.reshape(1, m);
        NDArray same = column.eq(row);
        NDArray notSelf = labels.getManager().eye((int) m).toType(DataType.BOOLEAN, false).logicalNot();
        return new PairMasks(same.logicalAnd(notSelf), same.logicalNot());
    }
}
