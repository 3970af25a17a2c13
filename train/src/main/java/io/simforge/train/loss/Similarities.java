package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/** Pairwise similarity and distance matrices of a batch of embeddings. */
public final class Similarities {
    /** Squared distances are clamped here before the square root, so the gradient at zero distance stays finite. */
    public static final float MIN_SQUARED_DISTANCE = 1e-12f;

    private Similarities() {}

    /** S_ij = x_i · x_j; the cosine similarity when rows are L2-normalised. */
    public static NDArray cosine(NDArray x) {
        return x.matMul(x.transpose());
    }

    /** D_ij = ||x_i − x_j||₂ from the Gram matrix: sqrt(max(|x_i|² + |x_j|² − 2 x_i·x_j, 1e-12)). */
    public static NDArray euclidean(NDArray x) {
        NDArray gram = cosine(x);
        NDArray sq = x.square().sum(new int[] {1}, true);
        return sq.add(sq.transpose()).sub(gram.mul(ScalarArrays.of(x, 2f))).maximum(ScalarArrays.of(x, MIN_SQUARED_DISTANCE))
                .sqrt();
    }
}
