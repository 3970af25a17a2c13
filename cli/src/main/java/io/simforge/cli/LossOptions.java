package io.simforge.cli;

import io.simforge.train.TrainConfig;
import picocli.CommandLine.Option;

/** Loss choice shared by the training commands; unset options keep the configuration's values. */
final class LossOptions {
    @Option(names = "--loss", description = "Loss: ms (Multi-Similarity, default), triplet (batch-hard), lifted, npair, contrastive.")
    String loss;

    @Option(names = "--ee", description = "Wrap the loss with Embedding Expansion (needs an even K).")
    Boolean ee;

    @Option(names = "--ee-points", description = "Synthetic points per pair for Embedding Expansion (default 2).")
    Integer eePoints;

    void applyTo(TrainConfig c) {
        if (loss != null) {
            c.loss = loss;
        }
        if (ee != null) {
            c.ee = ee;
        }
        if (eePoints != null) {
            c.eeSyntheticPoints = eePoints;
        }
    }
}
