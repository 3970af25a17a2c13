package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.simforge.models.ScalarArrays;

/** How per-anchor losses become one number. */
public final class Reductions {
    private Reductions() {}

    /** Σ_i loss_i / m over all m anchors (anchors that do not contribute count as 0). */
    public static NDArray meanOverAll(NDArray perAnchor, NDArray contributes) {
        return perAnchor.mul(contributes.toType(perAnchor.getDataType(), false)).sum()
                .mul(ScalarArrays.of(perAnchor, 1f / perAnchor.size()));
    }

    /**
     * Σ loss / |valid| over the valid entries only (anchors, or pairs of a pair matrix); 0 (with a zero
     * gradient) when none is valid.
     */
    public static NDArray meanOverValid(NDArray perAnchor, NDArray valid) {
        NDArray weights = valid.toType(perAnchor.getDataType(), false);
        return perAnchor.mul(weights).sum().div(weights.sum().maximum(ScalarArrays.of(weights, 1f)));
    }

    /** Row-wise "has at least one kept entry" of a boolean matrix. */
    public static NDArray anyPerRow(NDArray mask) {
        return mask.toType(DataType.INT32, false).sum(new int[] {1}).gt(0);
    }
}
