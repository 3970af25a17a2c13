package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import io.simforge.models.ScalarArrays;

/**
 * Multi-class N-pair loss (Sohn, NeurIPS 2016), methods.md §2: each anchor i is paired with its partner
 * p(i) = i XOR 1, which must share its class (the P×K sampler with even K orders batches so), and
 * {@code L = mean_i log(1 + Σ_{k∈N_i} exp(S_ik − S_{i,p(i)}))}, plus an optional L2 penalty
 * {@code l2Weight · mean_i ||x_i||²} on the embeddings it receives. The paper puts that penalty on raw,
 * un-normalised embeddings; on L2-normalised ones (every simforge network) it is a constant and has no
 * effect, which is why it defaults to 0. Against references (a cross-batch memory) the partner is still the row's
 * in the batch, and the negatives are the references of other classes.
 */
public final class NPairLoss extends MetricLoss {
    private final float l2Weight;

    private NPairLoss(Builder b) {
        super("NPairLoss");
        this.l2Weight = b.l2Weight;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getL2Weight() {
        return l2Weight;
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public java.util.List<String> layoutProblems(int classesPerBatch, int samplesPerClass) {
        return samplesPerClass % 2 == 0 ? java.util.List.of() : java.util.List.of("the N-pair loss pairs rows 2j and 2j+1 "
                + "of the same class, so K (samples per class) must be even, got " + samplesPerClass);
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        NDArray x = batch.embeddings();
        PairOrder.check(batch.labels(), "the N-pair loss");
        NDArray s = batch.similarities();
        NDArray partner = PairOrder.partners(x);
        NDArray sPartner = x.mul(partner).sum(new int[] {1}, true);
        NDArray perAnchor = LogSumExp.withZero(s.sub(sPartner), batch.masks().negatives());
        NDArray loss = perAnchor.mean();
        if (l2Weight > 0 && batch.square()) { // the penalty is the batch's, counted once
            loss = loss.add(x.square().sum(new int[] {1}).mean().mul(ScalarArrays.of(x, l2Weight)));
        }
        return loss;
    }

    /** Builder: the L2 penalty weight (default 0; the paper's 0.002 applies to un-normalised embeddings). */
    public static final class Builder {
        private float l2Weight;

        public Builder optL2Weight(float l2Weight) {
            this.l2Weight = l2Weight;
            return this;
        }

        public NPairLoss build() {
            if (!Float.isFinite(l2Weight) || l2Weight < 0) {
                throw new IllegalArgumentException("N-pair L2 weight must be finite and >= 0, got " + l2Weight);
            }
            return new NPairLoss(this);
        }
    }
}
