package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.simforge.models.ScalarArrays;

/**
 * Multi-Similarity loss (Wang et al., CVPR 2019), exactly as in {@code methods.md} §1.
 *
 * <p>Mining with margin ε uses the un-mined sets for both thresholds: negative k is kept when
 * {@code S_ik + ε > min_{j∈P_i} S_ij}, positive j when {@code S_ij − ε < max_{k∈N_i} S_ik}. Weighting:
 * {@code (1/α) log(1 + Σ_{P'} exp(−α(S_ij − λ))) + (1/β) log(1 + Σ_{N'} exp(β(S_ik − λ)))} per anchor.
 * An anchor with an empty P'_i or N'_i contributes 0; the sum is divided by the full batch size.
 * Mining is a hard selection: no gradient flows through the thresholds. Everything is computed on the
 * m×m similarity matrix with masks, without a loop over anchors. Every row of the batch is an anchor
 * (with Embedding Expansion, synthetic rows too: methods.md §3.5). Against references (a cross-batch memory)
 * the same formulas run over each row's pairs with the references, and the sum is divided by the number of rows.
 */
public final class MultiSimilarityLoss extends MetricLoss {
    private final float alpha;
    private final float beta;
    private final float lambda;
    private final float epsilon;
    private final boolean mining;

    private MultiSimilarityLoss(Builder b) {
        super("MultiSimilarityLoss");
        this.alpha = b.alpha;
        this.beta = b.beta;
        this.lambda = b.lambda;
        this.epsilon = b.epsilon;
        this.mining = b.mining;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getAlpha() {
        return alpha;
    }

    public float getBeta() {
        return beta;
    }

    public float getLambda() {
        return lambda;
    }

    public float getEpsilon() {
        return epsilon;
    }

    public boolean isMining() {
        return mining;
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        NDArray s = batch.similarities();
        PairMasks masks = batch.masks();
        NDArray keepPos = masks.positives();
        NDArray keepNeg = masks.negatives();
        if (mining) {
            NDArray fixed = s.stopGradient();
            NDArray inf = s.getManager().create(Float.POSITIVE_INFINITY).toType(s.getDataType(), false);
            NDArray minPos = NDArrays.where(keepPos, fixed, inf).min(new int[] {1}, true);
            NDArray maxNeg = NDArrays.where(keepNeg, fixed, inf.neg()).max(new int[] {1}, true);
            NDArray minedNeg = keepNeg.logicalAnd(fixed.add(epsilon).gt(minPos));
            NDArray minedPos = keepPos.logicalAnd(fixed.sub(epsilon).lt(maxNeg));
            keepNeg = minedNeg;
            keepPos = minedPos;
        }
        NDArray shifted = s.sub(lambda);
        NDArray posTerm = LogSumExp.withZero(shifted.mul(ScalarArrays.of(s, -alpha)), keepPos)
                .mul(ScalarArrays.of(s, 1f / alpha));
        NDArray negTerm = LogSumExp.withZero(shifted.mul(ScalarArrays.of(s, beta)), keepNeg)
                .mul(ScalarArrays.of(s, 1f / beta));
        NDArray contributes = Reductions.anyPerRow(keepPos).logicalAnd(Reductions.anyPerRow(keepNeg));
        return Reductions.meanOverAll(posTerm.add(negTerm), contributes);
    }

    /** Builder: every hyperparameter optional, defaults as the official code ({@code methods.md} §1 Choice). */
    public static final class Builder {
        private float alpha = 2f;
        private float beta = 40f;
        private float lambda = 0.5f;
        private float epsilon = 0.1f;
        private boolean mining = true;

        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        public Builder optBeta(float beta) {
            this.beta = beta;
            return this;
        }

        public Builder optLambda(float lambda) {
            this.lambda = lambda;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** Turns the mining step off (weighting only, over all positives and negatives). */
        public Builder optMining(boolean mining) {
            this.mining = mining;
            return this;
        }

        public MultiSimilarityLoss build() {
            if (!(alpha > 0) || !(beta > 0)) {
                throw new IllegalArgumentException("MS loss needs alpha > 0 and beta > 0, got " + alpha + ", " + beta);
            }
            if (!Float.isFinite(lambda) || !Float.isFinite(epsilon) || epsilon < 0) {
                throw new IllegalArgumentException("MS loss needs a finite lambda and epsilon >= 0, got "
                        + lambda + ", " + epsilon);
            }
            return new MultiSimilarityLoss(this);
        }
    }
}
