package io.simforge.train;

import io.simforge.train.loss.BatchHardTripletLoss;
import io.simforge.train.loss.CircleLoss;
import io.simforge.train.loss.ContrastiveLoss;
import io.simforge.train.loss.CrossBatchMemory;
import io.simforge.train.loss.EmbeddingExpansion;
import io.simforge.train.loss.LiftedStructureLoss;
import io.simforge.train.loss.MarginSoftmaxLoss;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.loss.MultiSimilarityLoss;
import io.simforge.train.loss.NPairLoss;
import io.simforge.train.loss.ProxyAnchorLoss;

/**
 * Builds the loss a configuration names, wrapped by Embedding Expansion and then by the cross-batch memory when
 * asked ({@code XBM(EE(loss))}: the memory keeps original embeddings, the expanded batch is paired with it).
 */
public final class Losses {
    private Losses() {}

    /** @throws IllegalArgumentException when the settings do not make a loss (e.g. EE around a proxy loss) */
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
            case CIRCLE -> CircleLoss.builder().optGamma(c.circleGamma()).optMargin(c.circleMargin()).build();
            case PROXY_ANCHOR -> ProxyAnchorLoss.builder().optAlpha(c.proxyAnchorAlpha()).optDelta(c.proxyAnchorDelta())
                    .build();
            case ARCFACE -> MarginSoftmaxLoss.builder().setVariant(MarginSoftmaxLoss.Variant.ARCFACE)
                    .optScale(c.arcfaceScale()).optMargin(c.arcfaceMargin()).build();
            case COSFACE -> MarginSoftmaxLoss.builder().setVariant(MarginSoftmaxLoss.Variant.COSFACE)
                    .optScale(c.cosfaceScale()).optMargin(c.cosfaceMargin()).build();
        };
        MetricLoss loss = c.ee() ? EmbeddingExpansion.builder().setLoss(base).optSyntheticPoints(c.eeSyntheticPoints())
                .optNormalize(c.eeNormalize()).build() : base;
        return c.xbmSize() > 0 ? CrossBatchMemory.builder().setLoss(loss).setSize(c.xbmSize())
                .optWarmupIterations(c.xbmWarmupIterations()).optWeight(c.xbmWeight()).build() : loss;
    }
}
