package io.simforge.models.onnx;

import io.simforge.models.layers.L2NormLayer;
import io.simforge.onnx.AttributeProto;
import java.util.List;

/**
 * {@link L2NormLayer} ↔ {@code x / max(ReduceL2(x), eps)}; {@code ReduceL2} takes its axes as an attribute up to
 * opset 17 and as an input from 18. Nothing to import: the layer has no weights.
 */
final class L2NormCodec implements LayerCodec<L2NormLayer> {
    @Override
    public Class<L2NormLayer> layerClass() {
        return L2NormLayer.class;
    }

    @Override
    public String write(WriteContext ctx, L2NormLayer l2, String name, String input) {
        var g = ctx.graph();
        String norm;
        if (ctx.opset() >= 18) {
            norm = g.node("ReduceL2", "l2", List.of(input, g.longs("l2_axes", 1)), AttributeProto.ofInt("keepdims", 1));
        } else {
            norm = g.node("ReduceL2", "l2", List.of(input), AttributeProto.ofInts("axes", 1),
                    AttributeProto.ofInt("keepdims", 1));
        }
        String clamped = g.node("Max", "l2_clamped", List.of(norm, g.floats("l2_eps", new float[] {l2.getEps()})));
        return g.node("Div", "l2_normalized", List.of(input, clamped));
    }

    @Override
    public String read(ReadContext ctx, L2NormLayer l2, String name, String tensor) {
        return tensor;
    }
}
