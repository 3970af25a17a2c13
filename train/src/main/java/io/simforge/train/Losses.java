package io.simforge.train;

import io.simforge.train.loss.MetricLoss;
import io.simforge.train.loss.MultiSimilarityLoss;

/** Builds the loss a configuration names. */
public final class Losses {
    private Losses() {}

    public static MetricLoss fromConfig(TrainConfig c) {
        if ("ms".equals(c.loss)) {
            return MultiSimilarityLoss.builder().optAlpha(c.msAlpha).optBeta(c.msBeta).optLambda(c.msLambda)
                    .optEpsilon(c.msEpsilon).optMining(c.msMining).build();
        }
        throw new IllegalArgumentException("loss '" + c.loss + "' is unknown: choose ms");
    }
}
