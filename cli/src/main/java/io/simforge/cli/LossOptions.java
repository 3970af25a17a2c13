package io.simforge.cli;

import io.simforge.train.LossKind;
import io.simforge.train.TrainConfig;
import picocli.CommandLine.Option;

/** The loss, for the commands that train; unset options keep the configuration's values. */
final class LossOptions {
    @Option(names = "--loss", converter = LossKinds.class, description = "Loss: " + LossKind.NAMES
            + " (default ms: Multi-Similarity).")
    LossKind loss;

    @Option(names = "--ee", description = "Wrap the loss with Embedding Expansion (needs an even K).")
    Boolean ee;

    @Option(converter = Ranges.Positive.class, names = "--ee-points", description = "Synthetic points per pair for Embedding Expansion (default 2).")
    Integer eePoints;

    void applyTo(TrainConfig.Builder c) {
        if (loss != null) {
            c.optLoss(loss);
        }
        if (ee != null) {
            c.optEmbeddingExpansion(ee);
        }
        if (eePoints != null) {
            c.optEeSyntheticPoints(eePoints);
        }
    }

    static final class LossKinds implements picocli.CommandLine.ITypeConverter<LossKind> {
        @Override
        public LossKind convert(String value) {
            return LossKind.parse(value);
        }
    }
}
