package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.simforge.models.ScalarArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Embedding Expansion (Ko &amp; Gu, CVPR 2020), methods.md §3: wraps any {@link MetricLoss}.
 *
 * <p>For each row i and its same-class partner p(i) = i XOR 1 it makes n synthetic points
 * {@code x̄_k(i) = normalise((k·x_p(i) + (n+1−k)·x_i) / (n+1))}, k = 1..n, the interior points that divide
 * the segment into n+1 equal parts, each with the pair's label. The wrapped loss then runs on the
 * expanded batch {@code [originals, k=1, …, k=n]} as an {@link EmbeddingBatch} of n+1 groups, so its
 * own mining sees original and synthetic pairs, and gradients flow through the synthetic points to both
 * originals. The loss never needs to know that EE is there.
 *
 * <p>Like the official code, every interior point is produced twice, once from each end of its pair
 * (x̄_k(i) = x̄_{n+1−k}(p(i))): faithful to the published numbers, at the price of a larger pair matrix.
 */
public final class EmbeddingExpansion extends MetricLoss {
    private final MetricLoss loss;
    private final int syntheticPoints;
    private final boolean normalize;

    private EmbeddingExpansion(Builder b) {
        super("EmbeddingExpansion(" + b.loss.getName() + ")");
        this.loss = b.loss;
        this.syntheticPoints = b.syntheticPoints;
        this.normalize = b.normalize;
    }

    public static Builder builder() {
        return new Builder();
    }

    public MetricLoss getLoss() {
        return loss;
    }

    public int getSyntheticPoints() {
        return syntheticPoints;
    }

    public boolean isNormalize() {
        return normalize;
    }

    @Override
    public List<String> layoutProblems(int classesPerBatch, int samplesPerClass) {
        List<String> p = new ArrayList<>(loss.layoutProblems(classesPerBatch, samplesPerClass));
        if (samplesPerClass % 2 != 0) {
            p.add("Embedding Expansion pairs rows 2j and 2j+1 of the same class, so K (samples per class) must be "
                    + "even, got " + samplesPerClass);
        }
        return p;
    }

    /**
     * The expanded batch: n+1 groups of rows, labels copied; synthetic rows are no dataset item (id −1). References,
     * if any, stay as they are: a memory holds originals.
     */
    public EmbeddingBatch expand(EmbeddingBatch batch) {
        if (batch.groups() != 1) {
            throw new IllegalArgumentException("Embedding Expansion expects a plain batch, got one with "
                    + batch.groups() + " groups (is EE wrapped twice?)");
        }
        NDArray x = batch.embeddings();
        PairOrder.check(batch.labels(), "Embedding Expansion");
        NDArray partner = PairOrder.partners(x);
        NDList rows = new NDList(x);
        NDList labels = new NDList(batch.labels());
        NDList ids = batch.ids() == null ? null : new NDList(batch.ids());
        int n = syntheticPoints;
        for (int k = 1; k <= n; k++) {
            NDArray point = partner.mul(ScalarArrays.of(x, (float) k / (n + 1)))
                    .add(x.mul(ScalarArrays.of(x, (float) (n + 1 - k) / (n + 1))));
            if (normalize) {
                point = Similarities.normalize(point); // finite gradient when opposite partners average to ~0
            }
            rows.add(point);
            labels.add(batch.labels());
            if (ids != null) {
                ids.add(batch.ids().onesLike().neg());
            }
        }
        return new EmbeddingBatch(NDArrays.concat(rows, 0), NDArrays.concat(labels, 0), n + 1,
                ids == null ? null : NDArrays.concat(ids, 0), batch.references());
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        return loss.compute(expand(batch));
    }

    // EE keeps nothing of its own; the wrapped loss might.

    @Override
    public void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {
        loss.initialize(manager, type, classes, embeddingSize, seed);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return loss.parameters();
    }

    @Override
    public void beginStep(NDManager step) {
        loss.beginStep(step);
    }

    @Override
    public void endStep(EmbeddingBatch batch, int iteration) {
        loss.endStep(batch, iteration);
    }

    @Override
    public LossState saveState() {
        return loss.saveState();
    }

    @Override
    public void loadState(LossState state) {
        loss.loadState(state);
    }

    /** Builder: the wrapped loss is required; n (default 2) and normalisation (default on) are optional. */
    public static final class Builder {
        private MetricLoss loss;
        private int syntheticPoints = 2;
        private boolean normalize = true;

        public Builder setLoss(MetricLoss loss) {
            this.loss = loss;
            return this;
        }

        /** Number of synthetic points per pair, n (default 2). */
        public Builder optSyntheticPoints(int n) {
            this.syntheticPoints = n;
            return this;
        }

        /** L2-normalise synthetic points (default true; false is the paper's ablation). */
        public Builder optNormalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        public EmbeddingExpansion build() {
            if (loss == null) {
                throw new IllegalArgumentException("Embedding Expansion needs the loss it wraps (setLoss)");
            }
            if (loss instanceof EmbeddingExpansion) {
                throw new IllegalArgumentException("Embedding Expansion cannot wrap itself");
            }
            if (loss instanceof CrossBatchMemory) {
                throw new IllegalArgumentException("Embedding Expansion goes inside the cross-batch memory, not around "
                        + "it: the memory holds original embeddings, never synthetic ones");
            }
            if (!loss.isPairBased()) {
                throw new IllegalArgumentException("Embedding Expansion adds synthetic pairs for a pair-based loss; "
                        + loss.getName() + " learns from parameters of its own (proxies or class weights): train it "
                        + "without EE");
            }
            if (syntheticPoints < 1) {
                throw new IllegalArgumentException("Embedding Expansion needs at least 1 synthetic point, got "
                        + syntheticPoints);
            }
            return new EmbeddingExpansion(this);
        }
    }
}
