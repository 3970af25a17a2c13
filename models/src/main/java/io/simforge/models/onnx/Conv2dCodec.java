package io.simforge.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.NodeProto;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@link Conv2d} ↔ {@code Conv}. On import, the first convolution may take RGB weights into a gray model or gray
 * weights into an RGB one; a convolution without bias passes a file's bias on to the BatchNorm after it.
 */
final class Conv2dCodec implements AffineCodec<Conv2d> {
    @Override
    public Class<Conv2d> layerClass() {
        return Conv2d.class;
    }

    @Override
    public String write(WriteContext ctx, Conv2d conv, String name, String input) {
        NDArray w = WriteContext.parameter(conv, "weight");
        NDArray b = conv.isIncludeBias() ? WriteContext.parameter(conv, "bias") : null;
        return writeWith(ctx, conv, w.toFloatArray(), b == null ? null : b.toFloatArray(), input);
    }

    @Override
    public String writeWith(WriteContext ctx, Conv2d conv, float[] weight, float[] bias, String input) {
        long[] shape = WriteContext.parameter(conv, "weight").getShape().getShape();
        List<String> inputs = new ArrayList<>(List.of(input, ctx.graph().weights("conv_weight", weight, shape)));
        if (bias != null) {
            inputs.add(ctx.graph().weights("conv_bias", bias, bias.length));
        }
        return ctx.graph().node("Conv", "conv", inputs, attributes(conv));
    }

    private static AttributeProto[] attributes(Conv2d conv) {
        long[] k = conv.getKernelShape().getShape();
        long[] s = conv.getStride().getShape();
        long[] p = conv.getPadding().getShape();
        long[] d = conv.getDilation().getShape();
        return new AttributeProto[] {AttributeProto.ofInts("kernel_shape", k), AttributeProto.ofInts("strides", s),
            AttributeProto.ofInts("pads", p[0], p[1], p[0], p[1]), AttributeProto.ofInts("dilations", d),
            AttributeProto.ofInt("group", conv.getGroups())};
    }

    @Override
    public String read(ReadContext ctx, Conv2d conv, String name, String tensor) throws IOException {
        Parameter wp = conv.getParameters().get("weight");
        long[] ours = wp.getArray().getShape().getShape();
        long[] stride = conv.getStride().getShape();
        long[] pad = conv.getPadding().getShape();
        long[] dilation = conv.getDilation().getShape();
        boolean adaptable = ctx.isFirst();
        NodeProto node = ctx.only(tensor, name, String.format(Locale.ROOT,
                "a %dx%d convolution to %d channels with stride %d and padding %d", ours[2], ours[3], ours[0],
                stride[0], pad[0]), n -> {
                    if (!n.opType().equals("Conv") || !n.input(0).equals(tensor) || !ctx.isWeight(n.input(1))) {
                        return false;
                    }
                    long[] w = ctx.dims(n.input(1));
                    boolean channelsOk = w.length == 4 && (w[1] == ours[1] || (adaptable && channelsAdaptable(w[1], ours[1])));
                    return channelsOk && w[0] == ours[0] && w[2] == ours[2] && w[3] == ours[3]
                            && Arrays.equals(n.intsAttribute("strides", new long[] {1, 1}), stride)
                            && Arrays.equals(n.intsAttribute("pads", new long[] {0, 0, 0, 0}),
                                    new long[] {pad[0], pad[1], pad[0], pad[1]})
                            && Arrays.equals(n.intsAttribute("dilations", new long[] {1, 1}), dilation)
                            && n.intAttribute("group", 1) == conv.getGroups()
                            && "NOTSET".equals(n.stringAttribute("auto_pad", "NOTSET"));
                });
        float[] w = ctx.floats(node.input(1));
        long fileIn = ctx.dims(node.input(1))[1];
        if (fileIn != ours[1]) {
            w = adaptChannels(ctx, w, ours, fileIn);
        }
        ctx.put(wp, w);
        float[] bias = node.inputs().size() > 2 && !node.input(2).isEmpty() ? ctx.floats(node.input(2)) : null;
        if (conv.isIncludeBias()) {
            ctx.put(conv.getParameters().get("bias"), bias != null ? bias : new float[(int) ours[0]]);
        } else {
            ctx.setPendingBias(bias); // for the BatchNorm that follows (a folded file), or an error if none does
        }
        ctx.imported(conv);
        return node.output(0);
    }

    private static boolean channelsAdaptable(long file, long ours) {
        return (file == 3 && ours == 1) || (file == 1 && ours == 3);
    }

    /**
     * First convolution, RGB weights into a gray model: the filters summed over the channels (a gray image is
     * the same as three equal channels); gray weights into an RGB model: each channel gets a third.
     */
    private static float[] adaptChannels(ReadContext ctx, float[] w, long[] ours, long fileIn) {
        int out = (int) ours[0];
        int k = (int) (ours[2] * ours[3]);
        float[] r = new float[(int) (ours[0] * ours[1] * k)];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < k; j++) {
                if (fileIn == 3) {
                    r[o * k + j] = w[(o * 3) * k + j] + w[(o * 3 + 1) * k + j] + w[(o * 3 + 2) * k + j];
                } else {
                    for (int c = 0; c < 3; c++) {
                        r[(o * 3 + c) * k + j] = w[o * k + j] / 3f;
                    }
                }
            }
        }
        ctx.note(fileIn == 3 ? "the file's first convolution takes RGB, this model gray images: its filters are "
                + "summed over the three channels (a gray image as three equal channels)"
                : "the file's first convolution takes gray images, this model RGB: each channel gets a third");
        return r;
    }
}
