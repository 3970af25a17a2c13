package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/** Pairwise similarity and distance matrices of a batch of embeddings, or between two sets of them. */
public final class Similarities {
    /** Squared distances are clamped here before the square root, so the gradient at zero distance stays finite. */
    public static final float MIN_SQUARED_DISTANCE = 1e-12f;

    private Similarities() {}

    /** S_ij = x_i · x_j; the cosine similarity when rows are L2-normalised. */
    public static NDArray cosine(NDArray x) {
        return cosine(x, x);
    }

    /** S_ij = a_i · b_j, rows of {@code a} against rows of {@code b}. */
    public static NDArray cosine(NDArray a, NDArray b) {
        return a.matMul(b.transpose());
    }

    /**
     * Rows scaled to unit L2 norm: {@code x / max(||x||, 1e-12)}, written as {@code sqrt(max(Σx², 1e-24))} so that
     * the gradient stays finite at a row of zeros.
     */
    public static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).maximum(ScalarArrays.of(x, 1e-24f)).sqrt());
    }

    /** D_ij = ||x_i − x_j||₂ from the Gram matrix: sqrt(max(|x_i|² + |x_j|² − 2 x_i·x_j, 1e-12)). */
    public static NDArray euclidean(NDArray x) {
        return euclidean(x, x);
    }

    /** D_ij = ||a_i − b_j||₂, rows of {@code a} against rows of {@code b}, as {@link #euclidean(NDArray)}. */
    public static NDArray euclidean(NDArray a, NDArray b) {
        NDArray gram = cosine(a, b);
        NDArray sqA = a.square().sum(new int[] {1}, true);
        NDArray sqB = a == b ? sqA : b.square().sum(new int[] {1}, true);
        return sqA.add(sqB.transpose()).sub(gram.mul(ScalarArrays.of(a, 2f)))
                .maximum(ScalarArrays.of(a, MIN_SQUARED_DISTANCE)).sqrt();
    }
}
