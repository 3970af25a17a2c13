package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Flattens every dimension after the batch dimension. */
public final class FlattenLayer extends ParameterlessLayer {
    @Override
    NDArray apply(NDArray x) {
        return x.reshape(x.getShape().get(0), -1);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        return new Shape[] {new Shape(in[0].get(0), in[0].size() / in[0].get(0))};
    }
}
