package io.simforge.train;

import io.simforge.train.loss.BatchHardTripletLoss;
import io.simforge.train.loss.ContrastiveLoss;
import io.simforge.train.loss.EmbeddingExpansion;
import io.simforge.train.loss.LiftedStructureLoss;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.loss.MultiSimilarityLoss;
import io.simforge.train.loss.NPairLoss;
import java.util.List;

/** Builds the loss a configuration names, wrapped by Embedding Expansion when asked. */
public final class Losses {
    public static final List<String> NAMES = List.of("ms", "triplet", "lifted", "npair", "contrastive");

    private Losses() {}

    public static MetricLoss fromConfig(TrainConfig c) {
        MetricLoss base = switch (c.loss) {
            case "ms" -> MultiSimilarityLoss.builder().optAlpha(c.msAlpha).optBeta(c.msBeta).optLambda(c.msLambda)
                    .optEpsilon(c.msEpsilon).optMining(c.msMining).build();
            case "triplet" -> BatchHardTripletLoss.builder().optMargin(c.tripletMargin)
                    .optSoftMargin(c.tripletSoftMargin).build();
            case "lifted" -> LiftedStructureLoss.builder().optMargin(c.liftedMargin).build();
            case "npair" -> NPairLoss.builder().optL2Weight(c.npairL2Weight).build();
            case "contrastive" -> ContrastiveLoss.builder().optPositiveMargin(c.contrastivePositiveMargin)
                    .optNegativeMargin(c.contrastiveNegativeMargin).build();
            default -> throw new IllegalArgumentException("loss '" + c.loss + "' is unknown: choose one of "
                    + String.join(", ", NAMES));
        };
        return c.ee ? EmbeddingExpansion.builder().setLoss(base).optSyntheticPoints(c.eeSyntheticPoints)
                .optNormalize(c.eeNormalize).build() : base;
    }
}
