package io.simforge.models;

import ai.djl.ndarray.NDArray;

/**
 * Scalars as arrays that live as long as the step that uses them.
 *
 * <p>Why: in DJL 0.35.1's PyTorch engine, {@code NDArray.mul(Number)}, {@code div(Number)},
 * {@code maximum(Number)} and friends wrap the number in a temporary tensor built over a direct
 * {@code ByteBuffer}, run the op, and close the temporary at once. Autograd keeps the native tensor for the
 * backward pass (the gradient of {@code x·c} needs {@code c}), but once the Java wrapper is closed nothing
 * keeps the buffer reachable, so a garbage collection frees the memory under the saved tensor and the
 * backward pass reads whatever is there: gradients go silently wrong, now and then NaN. Any op whose
 * backward needs the scalar's value must therefore take an array created here, which stays attached to
 * the operand's manager (closed with the training step, after the backward pass).
 */
public final class ScalarArrays {
    private ScalarArrays() {}

    /** A 0-dimensional array holding {@code value}, with {@code like}'s data type and manager. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().create(value).toType(like.getDataType(), false);
    }
}
