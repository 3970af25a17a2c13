package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.simforge.models.ScalarArrays;
import java.util.Locale;
import java.util.Map;

/**
 * Softmax over the cosine similarities of an embedding to one trainable weight vector per class, with a margin on
 * the embedding's own class: the face-recognition losses that learn identities as classes.
 * <ul>
 *   <li>{@link Variant#ARCFACE} (Deng et al., CVPR 2019), additive angular margin: the own class's logit is
 *       {@code s·cos(θ + m)}. Past θ = π − m, where cos(θ + m) would rise again, it is {@code s·(cos θ − m·sin m)}
 *       instead, the insightface reference code's fallback; default s = 64, m = 0.5 rad (28.6°).
 *   <li>{@link Variant#COSFACE} (Wang et al., CVPR 2018), additive cosine margin: {@code s·(cos θ − m)}; default
 *       s = 64, m = 0.35.
 * </ul>
 * Every other class's logit is {@code s·cos θ_j}; the loss is the mean cross-entropy over the batch. Weights are
 * used L2-normalised. Batches need not be P×K (any batch, K = 1 included). Labels are class indices
 * {@code 0 … C−1} ({@link #initialize}); the weights train next to the network with their own learning rate and are
 * kept in checkpoints, never in an exported model.
 */
public final class MarginSoftmaxLoss extends MetricLoss {
    /** Where the margin goes. */
    public enum Variant {
        /** cos(θ + m): additive angular margin. */
        ARCFACE,
        /** cos θ − m: additive cosine margin. */
        COSFACE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Variant variant;
    private final float scale;
    private final float margin;
    private final ClassVectors weights = new ClassVectors("classWeights");

    private MarginSoftmaxLoss(Builder b) {
        super(b.variant == Variant.ARCFACE ? "ArcFaceLoss" : "CosFaceLoss");
        this.variant = b.variant;
        this.scale = b.scale;
        this.margin = b.margin;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Variant getVariant() {
        return variant;
    }

    public float getScale() {
        return scale;
    }

    public float getMargin() {
        return margin;
    }

    @Override
    public void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {
        weights.initialize(manager, type, classes, embeddingSize, seed);
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        if (batch.groups() != 1 || !batch.square()) {
            throw new IllegalArgumentException("the " + variant + " loss takes a plain batch (no Embedding Expansion, no "
                    + "cross-batch memory)");
        }
        weights.checkLabels(batch.labels(), "the " + variant + " loss");
        NDArray x = batch.embeddings();
        NDArray cos = x.matMul(weights.normalized(x).transpose()); // B × C
        NDArray classes = x.getManager().arange(weights.classes()).toType(batch.labels().getDataType(), false);
        NDArray own = batch.labels().reshape(-1, 1).eq(classes.reshape(1, -1));
        NDArray target;
        if (variant == Variant.ARCFACE) {
            // cos(θ + m) = cos θ cos m − sin θ sin m; sin θ from cos θ, clamped so its gradient stays finite at ±1.
            NDArray sin = cos.square().neg().add(1f).maximum(ScalarArrays.of(cos, 1e-12f)).sqrt();
            NDArray shifted = cos.mul(ScalarArrays.of(cos, (float) Math.cos(margin)))
                    .sub(sin.mul(ScalarArrays.of(cos, (float) Math.sin(margin))));
            NDArray beyond = cos.sub((float) (Math.sin(Math.PI - margin) * margin));
            target = NDArrays.where(cos.stopGradient().gt(Math.cos(Math.PI - margin)), shifted, beyond);
        } else {
            target = cos.sub(margin);
        }
        NDArray logits = NDArrays.where(own, target, cos).mul(ScalarArrays.of(cos, scale));
        NDArray ownLogit = logits.mul(own.toType(logits.getDataType(), false)).sum(new int[] {1});
        return LogSumExp.rows(logits).sub(ownLogit).mean();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return weights.asParameters();
    }

    @Override
    public void beginStep(NDManager step) {
        weights.beginStep(step);
    }

    @Override
    public LossState saveState() {
        return weights.save();
    }

    @Override
    public void loadState(LossState state) {
        weights.load(state);
    }

    /** Builder: the variant is required; scale and margin default to the variant's published values. */
    public static final class Builder {
        private Variant variant;
        private float scale = 64f;
        private float margin = Float.NaN;

        public Builder setVariant(Variant variant) {
            this.variant = variant;
            return this;
        }

        /** s, the scale of the logits (default 64). */
        public Builder optScale(float scale) {
            this.scale = scale;
            return this;
        }

        /** m: radians for ArcFace (default 0.5), cosine for CosFace (default 0.35). */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        public MarginSoftmaxLoss build() {
            if (variant == null) {
                throw new IllegalArgumentException("the margin softmax loss needs its variant (setVariant: arcface or "
                        + "cosface)");
            }
            if (Float.isNaN(margin)) {
                margin = variant == Variant.ARCFACE ? 0.5f : 0.35f;
            }
            float most = variant == Variant.ARCFACE ? (float) (Math.PI / 2) : 1f;
            if (!(scale > 0) || !Float.isFinite(scale) || !(margin >= 0 && margin < most)) {
                throw new IllegalArgumentException(variant + " needs a finite scale > 0 and a margin in [0, " + most
                        + "), got " + scale + " and " + margin);
            }
            return new MarginSoftmaxLoss(this);
        }
    }
}
