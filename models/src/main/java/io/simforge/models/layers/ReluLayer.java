package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** Rectified linear unit, max(x, 0). */
public final class ReluLayer extends ParameterlessLayer {
    @Override
    NDArray apply(NDArray x) {
        return Activation.relu(x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
