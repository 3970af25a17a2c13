package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import io.simforge.models.ScalarArrays;

/**
 * Batch-hard triplet loss (the Embedding Expansion paper's "HPHN" triplet), methods.md §2: per anchor
 * the hardest (farthest) positive and the hardest (closest) negative in Euclidean distance,
 * {@code max(0, d_ap − d_an + margin)} or, with the soft margin, {@code softplus(d_ap − d_an)}.
 *
 * <p>With a grouped {@link EmbeddingBatch} (several views per anchor, e.g. Embedding Expansion), the
 * anchors are the originals; the hardest positive is taken over original positives only, and the hardest
 * negative is the closest pair between any view of the anchor and any row of another class
 * ("hard negative pair mining"). Anchors without a positive or a negative are left out of the mean
 * (<b>Choice</b>; the official code assumes P×K batches where every anchor has both); a batch with no
 * such anchor has loss 0. Against references (a cross-batch memory) both are mined among the references.
 */
public final class BatchHardTripletLoss extends MetricLoss {
    private final float margin;
    private final boolean softMargin;

    private BatchHardTripletLoss(Builder b) {
        super("BatchHardTripletLoss");
        this.margin = b.margin;
        this.softMargin = b.softMargin;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getMargin() {
        return margin;
    }

    public boolean isSoftMargin() {
        return softMargin;
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        long b = batch.anchors();
        int groups = batch.groups();
        NDArray d = batch.distances();
        PairMasks masks = batch.masks();
        NDArray inf = d.getManager().create(Float.POSITIVE_INFINITY).toType(d.getDataType(), false);

        // Hardest positive among the originals only (every reference is an original).
        NDIndex originals = batch.square() ? new NDIndex(":{}, :{}", b, b) : new NDIndex(":{}", b);
        NDArray posMask = masks.positives().get(originals);
        NDArray dOrig = d.get(originals);
        NDArray hasPos = Reductions.anyPerRow(posMask);
        NDArray dAp = NDArrays.where(posMask, dOrig, inf.neg()).max(new int[] {1});

        // Hardest negative pair: every view of anchor i against every row of another class.
        NDArray negMask = masks.negatives();
        NDArray rowMin = NDArrays.where(negMask, d, inf).min(new int[] {1});
        NDArray dAn = rowMin.reshape(groups, b).min(new int[] {0});
        NDArray hasNeg = Reductions.anyPerRow(negMask.get(new NDIndex(":{}", b)));

        NDArray valid = hasPos.logicalAnd(hasNeg);
        // Invalid anchors hold ±inf; replace them before the subtraction so that inf − inf never appears.
        NDArray zero = dAp.zerosLike();
        NDArray gap = NDArrays.where(valid, dAp, zero).sub(NDArrays.where(valid, dAn, zero));
        NDArray perAnchor = softMargin ? LogSumExp.softplus(gap) : gap.add(margin).maximum(ScalarArrays.of(gap, 0f));
        return Reductions.meanOverValid(perAnchor, valid);
    }

    /** Builder: margin (default 0.1, for unit-norm embeddings) or the soft margin. */
    public static final class Builder {
        private float margin = 0.1f;
        private boolean softMargin;

        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        /** Uses softplus(d_ap − d_an) instead of the hinge with a margin. */
        public Builder optSoftMargin(boolean softMargin) {
            this.softMargin = softMargin;
            return this;
        }

        public BatchHardTripletLoss build() {
            if (!Float.isFinite(margin) || margin < 0) {
                throw new IllegalArgumentException("triplet margin must be finite and >= 0, got " + margin);
            }
            return new BatchHardTripletLoss(this);
        }
    }
}
