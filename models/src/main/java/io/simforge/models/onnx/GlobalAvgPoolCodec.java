package io.simforge.models.onnx;

import io.simforge.models.layers.GlobalAvgPoolLayer;
import java.io.IOException;

/** {@link GlobalAvgPoolLayer} ↔ {@code GlobalAveragePool} + {@code Flatten}. */
final class GlobalAvgPoolCodec implements LayerCodec<GlobalAvgPoolLayer> {
    @Override
    public Class<GlobalAvgPoolLayer> layerClass() {
        return GlobalAvgPoolLayer.class;
    }

    @Override
    public String write(WriteContext ctx, GlobalAvgPoolLayer layer, String name, String input) {
        return GlobalPooling.write(ctx, "GlobalAveragePool", "gap", input);
    }

    @Override
    public String read(ReadContext ctx, GlobalAvgPoolLayer layer, String name, String tensor) throws IOException {
        return GlobalPooling.read(ctx, false, name, tensor);
    }
}
