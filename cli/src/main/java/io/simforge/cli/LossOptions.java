package io.simforge.cli;

import io.simforge.train.LossKind;
import io.simforge.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The loss, for the commands that train; unset options keep the configuration's values (every other loss setting,
 * e.g. circleGamma or lossLearningRateMultiplier, is a {@code --set} key of {@code train}).
 */
final class LossOptions {
    @Option(names = "--loss", converter = LossKinds.class, description = "Loss: " + LossKind.NAMES
            + " (default ms: Multi-Similarity).")
    LossKind loss;

    @Option(names = "--ee", description = "Wrap the loss with Embedding Expansion (needs an even K).")
    Boolean ee;

    @Option(converter = Ranges.Positive.class, names = "--ee-points", description = "Synthetic points per pair for Embedding Expansion (default 2).")
    Integer eePoints;

    @Option(converter = Ranges.NonNegative.class, names = "--xbm", paramLabel = "SIZE", description = "Cross-batch memory: a pair-based loss also mines "
            + "against the last SIZE embeddings of earlier batches (e.g. 4096-65536; default 0: off).")
    Integer xbm;

    @Option(converter = Ranges.NonNegative.class, names = "--xbm-warmup", paramLabel = "N", description = "Iterations before the cross-batch memory starts "
            + "filling (default 0).")
    Integer xbmWarmup;

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
        if (xbm != null) {
            c.optXbmSize(xbm);
        }
        if (xbmWarmup != null) {
            c.optXbmWarmupIterations(xbmWarmup);
        }
    }

    static final class LossKinds implements picocli.CommandLine.ITypeConverter<LossKind> {
        @Override
        public LossKind convert(String value) {
            return LossKind.parse(value);
        }
    }
}
