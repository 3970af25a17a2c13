package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;

/** Pairwise similarity and distance matrices of a batch of embeddings. */
public final class Similarities {
    private Similarities() {}

    /** S_ij = x_i · x_j; the cosine similarity when rows are L2-normalised. */
    public static NDArray cosine(NDArray x) {
        return x.matMul(x.transpose());
    }
}
