package io.simforge.models.onnx;

import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.onnx.AttributeProto;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** {@link MaxPoolLayer} ↔ {@code MaxPool} with a square kernel, symmetric padding and floor rounding. */
final class MaxPoolCodec implements LayerCodec<MaxPoolLayer> {
    @Override
    public Class<MaxPoolLayer> layerClass() {
        return MaxPoolLayer.class;
    }

    @Override
    public String write(WriteContext ctx, MaxPoolLayer pool, String name, String input) {
        long k = pool.getKernel();
        long s = pool.getStride();
        long p = pool.getPadding();
        return ctx.graph().node("MaxPool", "maxpool", List.of(input), AttributeProto.ofInts("kernel_shape", k, k),
                AttributeProto.ofInts("strides", s, s), AttributeProto.ofInts("pads", p, p, p, p),
                AttributeProto.ofInt("ceil_mode", 0));
    }

    @Override
    public String read(ReadContext ctx, MaxPoolLayer pool, String name, String tensor) throws IOException {
        long k = pool.getKernel();
        long s = pool.getStride();
        long p = pool.getPadding();
        return ctx.only(tensor, name, "a " + k + "×" + k + " max pool with stride " + s + " and padding " + p,
                n -> n.opType().equals("MaxPool") && Arrays.equals(n.intsAttribute("kernel_shape", null), new long[] {k, k})
                        && Arrays.equals(n.intsAttribute("strides", new long[] {1, 1}), new long[] {s, s})
                        && Arrays.equals(n.intsAttribute("pads", new long[] {0, 0, 0, 0}), new long[] {p, p, p, p})
                        && n.intAttribute("ceil_mode", 0) == 0).output(0);
    }
}
