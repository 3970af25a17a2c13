package io.simforge.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, applied in place to the gradients before the optimiser reads them. simforge does this itself
 * because DJL 0.35.1's optimisers clip with {@code clamp_max} only: a gradient of −5 passes a clip of 0.1
 * untouched (see {@code GradientClippingTest}).
 */
final class GradientClipping {
    private GradientClipping() {}

    /** Clips every gradient value to [−c, c], as {@code torch.nn.utils.clip_grad_value_}. */
    static void values(List<NDArray> gradients, float c) {
        for (NDArray g : gradients) {
            try (NDArray clipped = g.clip(-c, c)) {
                g.muli(0).addi(clipped); // in place, exact; an infinite value becomes NaN, which stops the run
            }
        }
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code max}, as
     * {@code torch.nn.utils.clip_grad_norm_} (scale max / (norm + 1e-6), only when the norm exceeds max).
     *
     * @return the global norm before clipping
     */
    static double norm(List<NDArray> gradients, float max) {
        double squares = 0;
        for (NDArray g : gradients) {
            try (NDArray s = g.square().sum()) {
                squares += s.getFloat();
            }
        }
        double norm = Math.sqrt(squares);
        if (norm > max) {
            float scale = (float) (max / (norm + 1e-6));
            for (NDArray g : gradients) {
                g.muli(scale);
            }
        }
        return norm;
    }

    /** The gradients of the block's trainable parameters (handles the caller closes). */
    static List<NDArray> of(Block block) {
        List<NDArray> out = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient() && p.getArray() != null && p.getArray().hasGradient()) {
                out.add(p.getArray().getGradient());
            }
        }
        return out;
    }
}
