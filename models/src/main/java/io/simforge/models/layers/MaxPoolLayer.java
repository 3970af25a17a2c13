package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** 2-D max pooling over NCHW input with a square kernel, floor rounding of the output size. */
public final class MaxPoolLayer extends ParameterlessLayer {
    private final int kernel;
    private final int stride;
    private final int padding;

    public MaxPoolLayer(int kernel, int stride, int padding) {
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding * 2 > kernel) {
            throw new IllegalArgumentException("invalid max pool: kernel " + kernel + ", stride " + stride
                    + ", padding " + padding + " (padding may be at most half the kernel)");
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public int getKernel() {
        return kernel;
    }

    public int getStride() {
        return stride;
    }

    public int getPadding() {
        return padding;
    }

    @Override
    NDArray apply(NDArray x) {
        return Pool.maxPool2d(x, new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding),
                false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        Shape s = in[0];
        long h = (s.get(2) + 2L * padding - kernel) / stride + 1;
        long w = (s.get(3) + 2L * padding - kernel) / stride + 1;
        return new Shape[] {new Shape(s.get(0), s.get(1), h, w)};
    }
}
