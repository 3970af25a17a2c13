package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/** Numerically safe log-sum-exp reductions over masked rows. */
public final class LogSumExp {
    private LogSumExp() {}

    /**
     * Row-wise {@code log(1 + Σ_{j: mask_ij} exp(z_ij))}, i.e. a log-sum-exp with an extra zero logit.
     *
     * <p>Masked-out entries are replaced by −∞ <em>before</em> the exponential: masking afterwards would
     * multiply an overflowed exp by zero and produce NaN in the backward pass. The shift is the row's
     * maximum over the kept entries and zero, taken without gradient (the result does not depend on it).
     * A row with no kept entries gives exactly 0.
     *
     * @return a vector with one value per row
     */
    public static NDArray withZero(NDArray z, NDArray mask) {
        NDArray minusInf = z.getManager().create(Float.NEGATIVE_INFINITY).toType(z.getDataType(), false);
        NDArray kept = NDArrays.where(mask, z, minusInf);
        NDArray shift = kept.stopGradient().max(new int[] {1}, true).maximum(0f);
        NDArray sum = NDArrays.where(mask, z.sub(shift), minusInf).exp().sum(new int[] {1});
        NDArray flatShift = shift.squeeze(1);
        return flatShift.add(flatShift.neg().exp().add(sum).log());
    }
}
