package io.simforge.models;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.simforge.core.model.Preprocessing;

/**
 * A DJL embedding network with the facts an export writes into the model's metadata: what it is, how its
 * inputs are prepared, and how it was trained. A freshly trained model and a loaded saved model both are one.
 */
public interface EmbeddingNetwork {
    /** The network, initialised. */
    Block block();

    /** The manager its parameters live in. */
    NDManager manager();

    Architecture architecture();

    /** How an image becomes an input; null for feature vectors. */
    Preprocessing preprocessing();

    /** A JSON summary of the training (loss, data, iterations, last validation), or null. */
    String training();
}
