package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * A loss over a batch of embeddings and their class labels (pair-based metric learning).
 *
 * <p>This is the one interface every metric loss implements and that wrappers such as Embedding
 * Expansion build on: a wrapper transforms {@code (embeddings, labels)} and calls {@link #compute} of the
 * loss it wraps, without knowing that loss's insides. It plugs into DJL as a {@link Loss}, whose
 * {@code evaluate(labels, predictions)} takes the labels first.
 */
public abstract class MetricLoss extends Loss {

    protected MetricLoss(String name) {
        super(name);
    }

    /**
     * The scalar loss of one batch.
     *
     * @param embeddings {@code m × d}, L2-normalised rows
     * @param labels {@code m} integer class labels
     */
    public abstract NDArray compute(NDArray embeddings, NDArray labels);

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return compute(predictions.singletonOrThrow(), labels.singletonOrThrow());
    }
}
