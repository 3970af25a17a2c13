package io.simforge.models.onnx;

import io.simforge.models.layers.ReluLayer;
import java.io.IOException;
import java.util.List;

/** {@link ReluLayer} ↔ {@code Relu}. */
final class ReluCodec implements LayerCodec<ReluLayer> {
    @Override
    public Class<ReluLayer> layerClass() {
        return ReluLayer.class;
    }

    @Override
    public String write(WriteContext ctx, ReluLayer layer, String name, String input) {
        return ctx.graph().node("Relu", "relu", List.of(input));
    }

    @Override
    public String read(ReadContext ctx, ReluLayer layer, String name, String tensor) throws IOException {
        return ctx.only(tensor, name, "a ReLU", n -> n.opType().equals("Relu")).output(0);
    }
}
