package io.simforge.models.onnx;

import io.simforge.models.layers.ResidualBlock;
import java.io.IOException;
import java.util.List;

/**
 * {@link ResidualBlock} ↔ its two branches' nodes, {@code Add} and {@code Relu}. On import, where the block's
 * input feeds two convolutions (main path and projection), their shapes tell them apart.
 */
final class ResidualBlockCodec implements LayerCodec<ResidualBlock> {
    @Override
    public Class<ResidualBlock> layerClass() {
        return ResidualBlock.class;
    }

    @Override
    public String write(WriteContext ctx, ResidualBlock res, String name, String input) {
        String main = ctx.writeSequence(res.getMain(), name + "/main", input);
        String shortcut = res.getShortcut() == null ? input : ctx.writeSequence(res.getShortcut(), name + "/shortcut", input);
        String sum = ctx.graph().node("Add", "residual_add", List.of(main, shortcut));
        return ctx.graph().node("Relu", "residual_relu", List.of(sum));
    }

    @Override
    public String read(ReadContext ctx, ResidualBlock res, String name, String tensor) throws IOException {
        String main = ctx.readSequence(res.getMain(), name + "/main/", tensor);
        String shortcut = res.getShortcut() == null ? tensor
                : ctx.readSequence(res.getShortcut(), name + "/shortcut/", tensor);
        var add = ctx.only(main, name, "the residual addition of its two branches",
                n -> n.opType().equals("Add") && n.inputs().size() == 2
                        && ((n.input(0).equals(main) && n.input(1).equals(shortcut))
                            || (n.input(1).equals(main) && n.input(0).equals(shortcut))));
        return ctx.only(add.output(0), name, "a ReLU after the residual addition",
                n -> n.opType().equals("Relu")).output(0);
    }
}
