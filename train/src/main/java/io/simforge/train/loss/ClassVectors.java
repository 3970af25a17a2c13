package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Random;

/**
 * One trainable vector per training class, kept by a loss that learns from them (Proxy-Anchor's proxies, the class
 * weights of ArcFace and CosFace): created for the run's classes, lent to each step, saved in checkpoints. Losses use
 * them L2-normalised, so their length does not matter; they start as N(0, 2/C) values drawn from the run's seed, the
 * scale of the Proxy-Anchor code's {@code kaiming_normal_(mode='fan_out')}.
 */
final class ClassVectors {
    private final String name;
    private NDArray vectors;

    /** @param name the parameter's name, in the optimiser's state and the checkpoint */
    ClassVectors(String name) {
        this.name = name;
    }

    void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {
        if (classes < 1) {
            throw new IllegalArgumentException(name + " need at least one class, got " + classes);
        }
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        float[] values = new float[Math.multiplyExact(classes, embeddingSize)];
        double std = Math.sqrt(2.0 / classes);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        vectors = manager.create(values, new Shape(classes, embeddingSize)).toType(type, false);
        vectors.setRequiresGradient(true);
    }

    /** The vectors (classes × d), as trained. */
    NDArray raw() {
        if (vectors == null) {
            throw new IllegalStateException(name + " do not exist yet: initialize the loss for the run's classes first");
        }
        return vectors;
    }

    /** Unit-length vectors for embeddings {@code x} (of the type they were created for); gradients flow back. */
    NDArray normalized(NDArray x) {
        if (x.getDataType() != raw().getDataType()) {
            throw new IllegalArgumentException(name + " are " + raw().getDataType() + " but the embeddings "
                    + x.getDataType() + ": initialize the loss for the embeddings' type");
        }
        return Similarities.normalize(raw());
    }

    int classes() {
        return (int) raw().getShape().get(0);
    }

    /**
     * Checks that every label is a class index this loss has a vector for.
     *
     * @throws IllegalArgumentException naming the label and the fix
     */
    void checkLabels(NDArray labels, String who) {
        NDArray y = labels.toType(DataType.INT32, false);
        int min = y.min().getInt();
        int max = y.max().getInt();
        if (min < 0 || max >= classes()) {
            throw new IllegalArgumentException(who + " has one vector per training class, for labels 0 to "
                    + (classes() - 1) + ", but the batch has label " + (min < 0 ? min : max) + ": give it class "
                    + "indices (the training loop maps each class to its index)");
        }
    }

    Map<String, NDArray> asParameters() {
        return Map.of(name, raw());
    }

    void beginStep(NDManager step) {
        raw().tempAttach(step);
    }

    LossState save() {
        return new LossState().put(name, raw());
    }

    void load(LossState state) {
        state.copyInto(name, raw());
    }
}
