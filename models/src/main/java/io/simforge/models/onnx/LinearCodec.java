package io.simforge.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.NodeProto;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Linear} ↔ {@code Gemm} with {@code transB = 1} (DJL's weight is (out, in)); imports also read
 * {@code Gemm} without the transpose and {@code MatMul} followed by {@code Add}. The embedding head is imported
 * only when the file's layer has its shape; otherwise it keeps its fresh initialisation and the walk ends.
 */
final class LinearCodec implements AffineCodec<Linear> {
    @Override
    public Class<Linear> layerClass() {
        return Linear.class;
    }

    @Override
    public String write(WriteContext ctx, Linear linear, String name, String input) {
        NDArray w = WriteContext.parameter(linear, "weight");
        NDArray b = WriteContext.optionalParameter(linear, "bias");
        return writeWith(ctx, linear, w.toFloatArray(), b == null ? null : b.toFloatArray(), input);
    }

    @Override
    public String writeWith(WriteContext ctx, Linear linear, float[] weight, float[] bias, String input) {
        long[] shape = WriteContext.parameter(linear, "weight").getShape().getShape();
        List<String> inputs = new ArrayList<>(List.of(input, ctx.graph().weights("linear_weight", weight, shape)));
        if (bias != null) {
            inputs.add(ctx.graph().weights("linear_bias", bias, bias.length));
        }
        return ctx.graph().node("Gemm", "linear", inputs, AttributeProto.ofInt("transB", 1));
    }

    @Override
    public String read(ReadContext ctx, Linear linear, String name, String tensor) throws IOException {
        Parameter wp = linear.getParameters().get("weight");
        long[] ours = wp.getArray().getShape().getShape(); // (out, in)
        boolean isHead = ctx.isHead(linear);
        List<NodeProto> found = ctx.next(tensor, n -> (n.opType().equals("Gemm") || n.opType().equals("MatMul"))
                && n.input(0).equals(tensor) && ctx.isWeight(n.input(1)));
        String problem = null;
        NodeProto n = found.size() == 1 ? found.get(0) : null;
        long[] w = n == null ? null : ctx.dims(n.input(1));
        boolean transB = n != null && n.opType().equals("Gemm") && n.intAttribute("transB", 0) == 1;
        if (n == null) {
            problem = found.isEmpty() ? "no linear layer follows" : "several linear layers read the same input";
        } else if (n.opType().equals("Gemm") && (n.intAttribute("transA", 0) != 0 || n.floatAttribute("alpha", 1f) != 1f
                || n.floatAttribute("beta", 1f) != 1f)) {
            problem = "its Gemm scales or transposes its input";
        } else if (w.length != 2 || (transB ? w[0] != ours[0] || w[1] != ours[1] : w[1] != ours[0] || w[0] != ours[1])) {
            problem = "the file's linear layer is " + (w.length != 2 ? java.util.Arrays.toString(w)
                    : transB ? w[0] + " × " + w[1] : w[1] + " × " + w[0])
                    + " (out × in), this model's " + ours[0] + " × " + ours[1];
        }
        if (problem != null) {
            if (isHead) {
                ctx.note("the embedding head keeps its fresh initialisation (" + problem + ")");
                return null;
            }
            throw ctx.mismatch(name, "a linear layer " + ours[0] + " × " + ours[1] + " (" + problem + ")", tensor);
        }
        float[] weight = ctx.floats(n.input(1));
        if (!transB) {
            weight = transpose(weight, (int) w[0], (int) w[1]);
        }
        String out = n.output(0);
        float[] bias = null;
        if (n.opType().equals("Gemm") && n.inputs().size() > 2 && !n.input(2).isEmpty()) {
            bias = ctx.floats(n.input(2));
        } else if (n.opType().equals("MatMul")) {
            List<NodeProto> add = ctx.next(out, a -> a.opType().equals("Add") && a.inputs().stream().anyMatch(ctx::isWeight));
            if (add.size() == 1) {
                bias = ctx.floats(add.get(0).inputs().stream().filter(ctx::isWeight).findFirst().orElseThrow());
                out = add.get(0).output(0);
            }
        }
        if (bias != null && bias.length != ours[0]) {
            throw ctx.mismatch(name, "a bias of " + ours[0] + " values", tensor);
        }
        ctx.put(wp, weight);
        Parameter bp = linear.getParameters().get("bias");
        if (bp != null) {
            ctx.put(bp, bias != null ? bias : new float[(int) ours[0]]);
        }
        ctx.imported(linear);
        if (isHead) {
            ctx.markHeadImported();
            ctx.note("the embedding head too (" + ours[0] + " × " + ours[1] + ")");
        }
        return out;
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
