package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.simforge.models.ScalarArrays;
import java.util.Map;

/**
 * Proxy-Anchor loss (Kim et al., CVPR 2020): one trainable proxy per training class, each an anchor for the batch.
 * With s(x, p) the cosine similarity of an embedding and a proxy, P⁺ the proxies whose class is in the batch, X⁺_p
 * the batch's embeddings of p's class and X⁻_p the others:
 * <pre>    L = 1/|P⁺| Σ_{p∈P⁺} log(1 + Σ_{x∈X⁺_p} exp(−α(s(x, p) − δ)))
 *       + 1/|P|  Σ_{p∈P}  log(1 + Σ_{x∈X⁻_p} exp( α(s(x, p) + δ)))</pre>
 * Defaults α = 32, δ = 0.1 (the paper's). Proxies of classes absent from the batch still repel its embeddings (the
 * second sum runs over every proxy); only proxies with positives count in the first.
 *
 * <p>Batches need not be P×K: any batch of labelled embeddings works, K = 1 included. Labels are class indices
 * {@code 0 … C−1} ({@link #initialize}); the proxies train next to the network with their own learning rate (the
 * paper: 100× the network's) and are kept in checkpoints, never in an exported model. Computed on the C × B
 * similarity matrix with masks.
 */
public final class ProxyAnchorLoss extends MetricLoss {
    private final float alpha;
    private final float delta;
    private final ClassVectors proxies = new ClassVectors("proxies");

    private ProxyAnchorLoss(Builder b) {
        super("ProxyAnchorLoss");
        this.alpha = b.alpha;
        this.delta = b.delta;
    }

    public static Builder builder() {
        return new Builder();
    }

    public float getAlpha() {
        return alpha;
    }

    public float getDelta() {
        return delta;
    }

    @Override
    public void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {
        proxies.initialize(manager, type, classes, embeddingSize, seed);
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        if (batch.groups() != 1 || !batch.square()) {
            throw new IllegalArgumentException("the Proxy-Anchor loss takes a plain batch (no Embedding Expansion, no "
                    + "cross-batch memory)");
        }
        proxies.checkLabels(batch.labels(), "the Proxy-Anchor loss");
        NDArray x = batch.embeddings();
        NDArray p = proxies.normalized(x);
        NDArray s = p.matMul(x.transpose()); // C × B: a row per proxy
        NDArray classes = x.getManager().arange(proxies.classes()).toType(batch.labels().getDataType(), false);
        NDArray own = classes.reshape(-1, 1).eq(batch.labels().reshape(1, -1));
        NDArray pos = LogSumExp.withZero(s.sub(delta).mul(ScalarArrays.of(s, -alpha)), own);
        NDArray neg = LogSumExp.withZero(s.add(delta).mul(ScalarArrays.of(s, alpha)), own.logicalNot());
        return Reductions.meanOverValid(pos, Reductions.anyPerRow(own)).add(neg.mean());
    }

    @Override
    public Map<String, NDArray> parameters() {
        return proxies.asParameters();
    }

    @Override
    public void beginStep(NDManager step) {
        proxies.beginStep(step);
    }

    @Override
    public LossState saveState() {
        return proxies.save();
    }

    @Override
    public void loadState(LossState state) {
        proxies.load(state);
    }

    /** Builder: α (default 32) and δ (default 0.1), both optional. */
    public static final class Builder {
        private float alpha = 32f;
        private float delta = 0.1f;

        /** α, the scale. */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /** δ, the margin. */
        public Builder optDelta(float delta) {
            this.delta = delta;
            return this;
        }

        public ProxyAnchorLoss build() {
            if (!(alpha > 0) || !Float.isFinite(alpha) || !Float.isFinite(delta) || delta < 0) {
                throw new IllegalArgumentException("Proxy-Anchor needs a finite alpha > 0 and delta >= 0, got " + alpha
                        + " and " + delta);
            }
            return new ProxyAnchorLoss(this);
        }
    }
}
