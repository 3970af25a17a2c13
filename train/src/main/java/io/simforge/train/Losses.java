package io.simforge.train;

import io.simforge.train.loss.BatchHardTripletLoss;
import io.simforge.train.loss.ContrastiveLoss;
import io.simforge.train.loss.EmbeddingExpansion;
import io.simforge.train.loss.LiftedStructureLoss;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.loss.MultiSimilarityLoss;
import io.simforge.train.loss.NPairLoss;

/** Builds the loss a configuration names, wrapped by Embedding Expansion when asked. */
public final class Losses {
    private Losses() {}

    public static MetricLoss fromConfig(TrainConfig c) {
        MetricLoss base = switch (c.loss()) {
            case MS -> MultiSimilarityLoss.builder().optAlpha(c.msAlpha()).optBeta(c.msBeta()).optLambda(c.msLambda())
                    .optEpsilon(c.msEpsilon()).optMining(c.msMining()).build();
            case TRIPLET -> BatchHardTripletLoss.builder().optMargin(c.tripletMargin())
                    .optSoftMargin(c.tripletSoftMargin()).build();
            case LIFTED -> LiftedStructureLoss.builder().optMargin(c.liftedMargin()).build();
            case NPAIR -> NPairLoss.builder().optL2Weight(c.npairL2Weight()).build();
            case CONTRASTIVE -> ContrastiveLoss.builder().optPositiveMargin(c.contrastivePositiveMargin())
                    .optNegativeMargin(c.contrastiveNegativeMargin()).build();
        };
        return c.ee() ? EmbeddingExpansion.builder().setLoss(base).optSyntheticPoints(c.eeSyntheticPoints())
                .optNormalize(c.eeNormalize()).build() : base;
    }
}
