package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.simforge.models.ScalarArrays;

/** Numerically safe log-sum-exp reductions over masked rows. */
public final class LogSumExp {
    /**
     * Stand-in for log(0) when a row has no kept entry: finite, so that later arithmetic and its gradient
     * stay finite, and far below any real value so that exp() of it is exactly 0.
     */
    public static final float EMPTY = -1e30f;

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
        NDArray shift = kept.stopGradient().max(new int[] {1}, true).maximum(ScalarArrays.of(z, 0f));
        NDArray sum = NDArrays.where(mask, z.sub(shift), minusInf).exp().sum(new int[] {1});
        NDArray flatShift = shift.squeeze(1);
        return flatShift.add(flatShift.neg().exp().add(sum).log());
    }

    /**
     * Row-wise {@code log(Σ_{j: mask_ij} exp(z_ij))}; a row with no kept entries gives {@link #EMPTY}.
     *
     * @return a vector with one value per row
     */
    public static NDArray masked(NDArray z, NDArray mask) {
        NDArray minusInf = z.getManager().create(Float.NEGATIVE_INFINITY).toType(z.getDataType(), false);
        NDArray rowHasEntry = mask.toType(ai.djl.ndarray.types.DataType.INT32, false).sum(new int[] {1}, true).gt(0);
        NDArray shift = NDArrays.where(mask, z, minusInf).stopGradient().max(new int[] {1}, true);
        // Rows without entries get shift 0 and an empty sum; their result is replaced below.
        NDArray safeShift = NDArrays.where(rowHasEntry, shift, shift.zerosLike());
        NDArray sum = NDArrays.where(mask, z.sub(safeShift), minusInf).exp().sum(new int[] {1}, true);
        NDArray one = sum.onesLike();
        NDArray lse = safeShift.add(NDArrays.where(rowHasEntry, sum, one).log());
        NDArray empty = lse.zerosLike().add(EMPTY);
        return NDArrays.where(rowHasEntry, lse, empty).squeeze(1);
    }

    /** Row-wise {@code log(Σ_j exp(z_ij))} over every entry, shifted by the row's maximum (taken without gradient). */
    public static NDArray rows(NDArray z) {
        NDArray shift = z.stopGradient().max(new int[] {1}, true);
        return shift.add(z.sub(shift).exp().sum(new int[] {1}, true).log()).squeeze(1);
    }

    /** Element-wise {@code log(1 + e^x)} (softplus), stable for large |x|. */
    public static NDArray softplus(NDArray x) {
        return x.maximum(ScalarArrays.of(x, 0f)).add(x.abs().neg().exp().add(1f).log());
    }

    /** Element-wise {@code log(exp(a) + exp(b))}, stable for large and very negative inputs. */
    public static NDArray addExp(NDArray a, NDArray b) {
        NDArray fixed = a.maximum(b).stopGradient();
        return fixed.add(a.sub(fixed).exp().add(b.sub(fixed).exp()).log());
    }
}
