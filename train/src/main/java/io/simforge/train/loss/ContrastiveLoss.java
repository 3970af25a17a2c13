package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/**
 * Contrastive loss (Hadsell et al., CVPR 2006) on Euclidean distances, written from the same pieces as the
 * others: {@code mean over positive pairs of max(0, D − m_pos)² + mean over negative pairs of
 * max(0, m_neg − D)²}, each mean over the pairs of its kind (0 when there are none). Defaults for unit-norm
 * embeddings: m_pos = 0, m_neg = 1. Against references (a cross-batch memory) the pairs are those of the rows with
 * the references.
 */
public final class ContrastiveLoss extends MetricLoss {
    private final float positiveMargin;
    private final float negativeMargin;

    private ContrastiveLoss(Builder b) {
        super("ContrastiveLoss");
        this.positiveMargin = b.positiveMargin;
        this.negativeMargin = b.negativeMargin;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        NDArray d = batch.distances();
        PairMasks masks = batch.masks();
        NDArray zero = ScalarArrays.of(d, 0f);
        NDArray pos = d.sub(positiveMargin).maximum(zero).square();
        NDArray neg = d.neg().add(negativeMargin).maximum(zero).square();
        return Reductions.meanOverValid(pos, masks.positives()).add(Reductions.meanOverValid(neg, masks.negatives()));
    }

    /** Builder: margins for positive pairs (default 0) and negative pairs (default 1). */
    public static final class Builder {
        private float positiveMargin;
        private float negativeMargin = 1f;

        public Builder optPositiveMargin(float margin) {
            this.positiveMargin = margin;
            return this;
        }

        public Builder optNegativeMargin(float margin) {
            this.negativeMargin = margin;
            return this;
        }

        public ContrastiveLoss build() {
            if (!Float.isFinite(positiveMargin) || !Float.isFinite(negativeMargin) || positiveMargin < 0
                    || negativeMargin <= positiveMargin) {
                throw new IllegalArgumentException("contrastive loss needs 0 <= positive margin < negative margin, got "
                        + positiveMargin + " and " + negativeMargin);
            }
            return new ContrastiveLoss(this);
        }
    }
}
