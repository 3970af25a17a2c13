package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * The same-class pair order that the P×K sampler produces with even K: rows 2j and 2j+1 share a class,
 * so row i's partner is i XOR 1. Embedding Expansion and the N-pair loss rely on it.
 */
public final class PairOrder {
    private PairOrder() {}

    /**
     * @throws IllegalArgumentException when the batch is odd-sized or a pair mixes classes, naming the fix
     */
    public static void check(NDArray labels, String who) {
        int[] y = labels.toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
        if (y.length % 2 != 0) {
            throw new IllegalArgumentException(who + " needs an even batch of same-class pairs, got " + y.length
                    + " rows: use an even number of samples per class (K)");
        }
        for (int i = 0; i < y.length; i += 2) {
            if (y[i] != y[i + 1]) {
                throw new IllegalArgumentException(who + " needs rows 2j and 2j+1 to share a class, but rows " + i
                        + " and " + (i + 1) + " have labels " + y[i] + " and " + y[i + 1]
                        + ": sample batches with PkSampler and an even K");
            }
        }
    }

    /** Row i of the result is row i XOR 1 of {@code x}; gradients flow back to the swapped rows. */
    public static NDArray partners(NDArray x) {
        long m = x.getShape().get(0);
        long d = x.getShape().get(1);
        NDArray pairs = x.reshape(m / 2, 2, d);
        return NDArrays.stack(new NDList(pairs.get(":, 1, :"), pairs.get(":, 0, :")), 1).reshape(m, d);
    }
}
