package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/**
 * Circle loss (Sun et al., CVPR 2020), the pair-similarity form. Per anchor i, over its positive similarities s_p
 * and negative similarities s_n:
 * <pre>    L_i = log(1 + Σ_n exp(γ α_n (s_n − Δ_n)) · Σ_p exp(−γ α_p (s_p − Δ_p)))
 *         = softplus(LSE_n + LSE_p)</pre>
 * with {@code α_p = [1 + m − s_p]₊}, {@code α_n = [s_n + m]₊}, {@code Δ_p = 1 − m}, {@code Δ_n = m}: each
 * similarity is pushed with a weight that grows with its distance from its optimum (O_p = 1 + m, O_n = −m). As in
 * the authors' code (and pytorch-metric-learning), the weights α are taken without gradient.
 *
 * <p>Defaults γ = 80, m = 0.4: the paper's setting for fine-grained image retrieval (its face-recognition setting
 * is γ = 256, m = 0.25). The loss is the mean over anchors that have at least one positive and one negative
 * (<b>Choice</b>, as pytorch-metric-learning; 0 when there is none). Everything runs on the pair matrix with masks;
 * against references (a cross-batch memory) on each row's pairs with the references.
 */
public final class CircleLoss extends MetricLoss {
    private final float gamma;
    private final float margin;

    private CircleLoss(Builder b) {
        super("CircleLoss");
        this.gamma = b.gamma;
        this.margin = b.margin;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getGamma() {
        return gamma;
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
        NDArray s = batch.similarities();
        PairMasks masks = batch.masks();
        NDArray fixed = s.stopGradient();
        NDArray zero = ScalarArrays.of(s, 0f);
        NDArray alphaP = fixed.neg().add(1 + margin).maximum(zero);
        NDArray alphaN = fixed.add(margin).maximum(zero);
        NDArray logitP = alphaP.mul(s.sub(1 - margin)).mul(ScalarArrays.of(s, -gamma));
        NDArray logitN = alphaN.mul(s.sub(margin)).mul(ScalarArrays.of(s, gamma));
        // A row without positives or negatives gets LogSumExp.EMPTY, whose softplus is 0; it is left out below.
        NDArray perAnchor = LogSumExp.softplus(LogSumExp.masked(logitP, masks.positives())
                .add(LogSumExp.masked(logitN, masks.negatives())));
        NDArray valid = Reductions.anyPerRow(masks.positives()).logicalAnd(Reductions.anyPerRow(masks.negatives()));
        return Reductions.meanOverValid(perAnchor, valid);
    }

    /** Builder: γ (default 80) and m (default 0.4), both optional. */
    public static final class Builder {
        private float gamma = 80f;
        private float margin = 0.4f;

        /** γ, the scale. */
        public Builder optGamma(float gamma) {
            this.gamma = gamma;
            return this;
        }

        /** m, the relaxation margin. */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        public CircleLoss build() {
            if (!(gamma > 0) || !Float.isFinite(gamma) || !(margin >= 0 && margin < 1)) {
                throw new IllegalArgumentException("Circle loss needs a finite gamma > 0 and a margin in [0, 1), got "
                        + gamma + " and " + margin);
            }
            return new CircleLoss(this);
        }
    }
}
