package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** Maximum over the spatial dimensions of NCHW input, giving N×C. */
public final class GlobalMaxPoolLayer extends ParameterlessLayer {
    @Override
    NDArray apply(NDArray x) {
        return Pool.globalMaxPool2d(x).reshape(x.getShape().get(0), x.getShape().get(1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        return new Shape[] {new Shape(in[0].get(0), in[0].get(1))};
    }
}
