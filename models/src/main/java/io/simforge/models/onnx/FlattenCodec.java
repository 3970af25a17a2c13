package io.simforge.models.onnx;

import io.simforge.models.layers.FlattenLayer;
import io.simforge.onnx.AttributeProto;
import java.util.List;

/** {@link FlattenLayer} ↔ {@code Flatten} (axis 1); imports also pass Reshape and Squeeze. */
final class FlattenCodec implements LayerCodec<FlattenLayer> {
    @Override
    public Class<FlattenLayer> layerClass() {
        return FlattenLayer.class;
    }

    @Override
    public String write(WriteContext ctx, FlattenLayer layer, String name, String input) {
        return ctx.graph().node("Flatten", "flatten", List.of(input), AttributeProto.ofInt("axis", 1));
    }

    @Override
    public String read(ReadContext ctx, FlattenLayer layer, String name, String tensor) {
        return ctx.skipReshapes(tensor);
    }
}
