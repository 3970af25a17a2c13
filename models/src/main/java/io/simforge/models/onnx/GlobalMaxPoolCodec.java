package io.simforge.models.onnx;

import io.simforge.models.layers.GlobalMaxPoolLayer;
import java.io.IOException;

/** {@link GlobalMaxPoolLayer} ↔ {@code GlobalMaxPool} + {@code Flatten}. */
final class GlobalMaxPoolCodec implements LayerCodec<GlobalMaxPoolLayer> {
    @Override
    public Class<GlobalMaxPoolLayer> layerClass() {
        return GlobalMaxPoolLayer.class;
    }

    @Override
    public String write(WriteContext ctx, GlobalMaxPoolLayer layer, String name, String input) {
        return GlobalPooling.write(ctx, "GlobalMaxPool", "gmp", input);
    }

    @Override
    public String read(ReadContext ctx, GlobalMaxPoolLayer layer, String name, String tensor) throws IOException {
        return GlobalPooling.read(ctx, true, name, tensor);
    }
}
