package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.simforge.models.ScalarArrays;

/**
 * Scales each row to unit L2 norm: {@code x / max(||x||, eps)}. The eps keeps an all-zero row finite
 * (it stays zero) and is written into the exported graph so both runtimes agree.
 */
public final class L2NormLayer extends ParameterlessLayer {
    public static final float DEFAULT_EPS = 1e-12f;
    private final float eps;

    public L2NormLayer() {
        this(DEFAULT_EPS);
    }

    public L2NormLayer(float eps) {
        this.eps = eps;
    }

    public float getEps() {
        return eps;
    }

    @Override
    NDArray apply(NDArray x) {
        // sqrt(max(Σx², eps²)) equals max(||x||, eps) but keeps the backward pass finite at a zero row,
        // where sqrt'(0) = ∞ would otherwise meet the clamp's zero gradient and give NaN.
        NDArray norm = x.square().sum(new int[] {1}, true).maximum(ScalarArrays.of(x, eps * eps)).sqrt();
        return x.div(norm);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        return in;
    }
}
