package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import java.util.List;
import java.util.Map;

/**
 * A loss over a batch of embeddings and their class labels.
 *
 * <p>This is the one interface every metric loss implements and that wrappers such as
 * {@link EmbeddingExpansion} and {@link CrossBatchMemory} build on: a wrapper transforms the {@link EmbeddingBatch}
 * and calls {@link #compute(EmbeddingBatch)} of the loss it wraps, without knowing that loss's insides. It plugs
 * into DJL as a {@link Loss}, whose {@code evaluate(labels, predictions)} takes the labels first.
 *
 * <p>Some losses keep arrays across training steps: trainable {@link #parameters()} (Proxy-Anchor's proxies, the
 * class weights of ArcFace and CosFace), optimised next to the network with their own learning rate, and buffers
 * (the cross-batch memory). The training loop {@linkplain #initialize creates} them, brackets every step with
 * {@link #beginStep} and {@link #endStep}, and keeps them in checkpoints ({@link #saveState}, {@link #loadState}).
 * None of them is part of the network, so none reaches an exported model.
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
     * True for a loss computed from pairs of embeddings (every row of a batch an anchor, its pairs from the labels),
     * which Embedding Expansion and the cross-batch memory can wrap: it then also accepts a batch paired with
     * {@linkplain EmbeddingBatch#references() references}. False for a loss that learns from parameters of its own
     * (proxies, class weights).
     */
    public boolean isPairBased() {
        return false;
    }

    /**
     * Checks settings that depend on the batch layout (P, K) before training starts, so that a
     * configuration error does not surface at the first step. Empty when the layout suits the loss.
     */
    public List<String> layoutProblems(int classesPerBatch, int samplesPerClass) {
        return List.of();
    }

    /**
     * Creates the arrays this loss keeps across steps, on {@code manager} (which lives as long as the training).
     * Labels are then class indices {@code 0 … classes − 1}. Nothing to do for a loss without such arrays.
     *
     * @param type the embeddings' data type (float32 in training)
     * @param seed seeds the initial values of trainable parameters
     */
    public void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {}

    /** Trainable arrays by name, optimised with the network (empty for pair-based losses). */
    public Map<String, NDArray> parameters() {
        return Map.of();
    }

    /**
     * Starts a training step: arrays the loss keeps are lent to the step's manager, so that everything computed from
     * them is freed with the step (they return to their own manager when the step's closes).
     */
    public void beginStep(NDManager step) {}

    /** Ends a training step, after the optimiser's update, with the batch {@link #compute} saw. */
    public void endStep(EmbeddingBatch batch, int iteration) {}

    /** Everything {@link #initialize} created, as values for a checkpoint (empty when there is nothing). */
    public LossState saveState() {
        return new LossState();
    }

    /**
     * Restores what {@link #saveState} saved, into arrays {@link #initialize} created.
     *
     * @throws IllegalArgumentException when the saved arrays do not fit this loss (another configuration)
     */
    public void loadState(LossState state) {}

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return compute(predictions.singletonOrThrow(), labels.singletonOrThrow());
    }
}
