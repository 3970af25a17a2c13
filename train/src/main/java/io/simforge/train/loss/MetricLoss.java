package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * A loss over a batch of embeddings and their class labels (pair-based metric learning).
 *
 * <p>This is the one interface every metric loss implements and that wrappers such as
 * {@link EmbeddingExpansion} build on: a wrapper transforms the {@link EmbeddingBatch} and calls
 * {@link #compute(EmbeddingBatch)} of the loss it wraps, without knowing that loss's insides. It plugs
 * into DJL as a {@link Loss}, whose {@code evaluate(labels, predictions)} takes the labels first.
 */
public abstract class MetricLoss extends Loss {

    protected MetricLoss(String name) {
        super(name);
    }

    /** The scalar loss of one batch. */
    public abstract NDArray compute(EmbeddingBatch batch);

    /**
     * The scalar loss of a plain batch.
     *
     * @param embeddings {@code m × d}, L2-normalised rows
     * @param labels {@code m} integer class labels
     */
    public NDArray compute(NDArray embeddings, NDArray labels) {
        return compute(EmbeddingBatch.of(embeddings, labels));
    }

    /**
     * Checks settings that depend on the batch layout (P, K) before training starts, so that a
     * configuration error does not surface at the first step. Empty when the layout suits the loss.
     */
    public java.util.List<String> layoutProblems(int classesPerBatch, int samplesPerClass) {
        return java.util.List.of();
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return compute(predictions.singletonOrThrow(), labels.singletonOrThrow());
    }
}
