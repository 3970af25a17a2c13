package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/**
 * Lifted structure loss (Song et al., CVPR 2016), methods.md §2: for every positive pair (i, j), i < j,
 * {@code J_ij = log(Σ_{k∈N_i} exp(α − D_ik) + Σ_{l∈N_j} exp(α − D_jl)) + D_ij}, and
 * {@code L = 1/(2|P|) Σ max(0, J_ij)²}. The inner sums are per-row log-sum-exps combined with a stable
 * log-add-exp, all on the distance matrix. A batch without positive pairs has loss 0.
 *
 * <p>Against references (a cross-batch memory), every positive pair of a row i and a reference j counts, with the
 * negatives of the row only: {@code J_ij = log(Σ_{k∈N_i} exp(α − D_ik)) + D_ij} over the references
 * (<b>Choice</b>: the reference's own negatives would need the memory against itself, M² distances).
 */
public final class LiftedStructureLoss extends MetricLoss {
    private final float margin;

    private LiftedStructureLoss(Builder b) {
        super("LiftedStructureLoss");
        this.margin = b.margin;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getMargin() {
        return margin;
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        NDArray d = batch.distances();
        PairMasks masks = batch.masks();
        NDArray rowLse = LogSumExp.masked(d.neg().add(margin), masks.negatives());
        long m = d.getShape().get(0);
        NDArray j;
        NDArray pairs;
        if (batch.square()) {
            NDArray column = rowLse.reshape(m, 1);
            NDArray row = rowLse.reshape(1, m);
            j = LogSumExp.addExp(column, row).add(d);
            // Each unordered positive pair once: the upper triangle of the positive mask.
            NDArray index = d.getManager().arange((int) m);
            NDArray upper = index.reshape(m, 1).lt(index.reshape(1, m));
            pairs = masks.positives().logicalAnd(upper).toType(d.getDataType(), false);
        } else {
            // A reference's own negatives would need the references' pair matrix: only the row's side counts.
            j = rowLse.reshape(m, 1).add(d);
            pairs = masks.positives().toType(d.getDataType(), false);
        }
        NDArray hinge = j.maximum(ScalarArrays.of(j, 0f)).square().mul(pairs);
        return hinge.sum().div(pairs.sum().mul(ScalarArrays.of(pairs, 2f)).maximum(ScalarArrays.of(pairs, 1f)));
    }

    /** Builder: the margin α_l (default 1.0). */
    public static final class Builder {
        private float margin = 1f;

        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        public LiftedStructureLoss build() {
            if (!Float.isFinite(margin)) {
                throw new IllegalArgumentException("lifted structure margin must be finite, got " + margin);
            }
            return new LiftedStructureLoss(this);
        }
    }
}
