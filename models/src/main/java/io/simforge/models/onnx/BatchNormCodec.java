package io.simforge.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.NodeProto;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * {@link BatchNormLayer} ↔ {@code BatchNormalization} on the running statistics. On export it can instead be
 * folded into the convolution or linear layer before it (w' = w·γ/σ per output channel, b' = (b − μ)·γ/σ + β).
 * On import, a file with BatchNorm folded into its convolutions (what an eval-mode {@code torch.onnx.export}
 * writes) loads as a BatchNorm that passes the convolution's bias through (γ = 1, β = bias, μ = 0, σ² = 1 − ε):
 * the same function in inference and with frozen BatchNorm.
 */
final class BatchNormCodec implements LayerCodec<BatchNormLayer> {
    @Override
    public Class<BatchNormLayer> layerClass() {
        return BatchNormLayer.class;
    }

    @Override
    public String write(WriteContext ctx, BatchNormLayer bn, String name, String input) {
        long c = bn.getGamma().getArray().getShape().get(0);
        var g = ctx.graph();
        return g.node("BatchNormalization", "batchnorm", List.of(input,
                g.weights("bn_scale", bn.getGamma().getArray().toFloatArray(), c),
                g.weights("bn_bias", bn.getBeta().getArray().toFloatArray(), c),
                g.weights("bn_mean", bn.getRunningMean().getArray().toFloatArray(), c),
                g.weights("bn_var", bn.getRunningVar().getArray().toFloatArray(), c)),
                AttributeProto.ofFloat("epsilon", bn.getEpsilon()));
    }

    @Override
    public boolean foldsInto(WriteContext ctx, BatchNormLayer bn, Block previous) {
        return ctx.foldBatchNorm() && LayerCodecs.find(previous) instanceof AffineCodec;
    }

    @Override
    @SuppressWarnings("unchecked") // foldsInto checked that the previous layer's codec is affine
    public String writeFolded(WriteContext ctx, BatchNormLayer bn, Block previous, String input) {
        float[] gamma = bn.getGamma().getArray().toFloatArray();
        float[] beta = bn.getBeta().getArray().toFloatArray();
        float[] mean = bn.getRunningMean().getArray().toFloatArray();
        float[] var = bn.getRunningVar().getArray().toFloatArray();
        float[] weight = WriteContext.parameter(previous, "weight").toFloatArray();
        int outChannels = gamma.length;
        int perChannel = weight.length / outChannels; // conv (out, in, kh, kw) and linear (out, in): out first
        NDArray b = WriteContext.optionalParameter(previous, "bias");
        float[] bias = b != null ? b.toFloatArray() : new float[outChannels];
        float[] newBias = new float[outChannels];
        for (int c = 0; c < outChannels; c++) {
            double scale = gamma[c] / Math.sqrt(var[c] + (double) bn.getEpsilon());
            for (int j = 0; j < perChannel; j++) {
                weight[c * perChannel + j] = (float) (weight[c * perChannel + j] * scale);
            }
            newBias[c] = (float) ((bias[c] - mean[c]) * scale + beta[c]);
        }
        AffineCodec<Block> affine = (AffineCodec<Block>) LayerCodecs.find(previous);
        return affine.writeWith(ctx, previous, weight, newBias, input);
    }

    @Override
    public String read(ReadContext ctx, BatchNormLayer bn, String name, String tensor) throws IOException {
        int c = (int) bn.getGamma().getArray().getShape().get(0);
        List<NodeProto> found = ctx.next(tensor, n -> n.opType().equals("BatchNormalization"));
        float eps = bn.getEpsilon();
        float[] pendingBias = ctx.pendingBias();
        if (found.size() == 1) {
            NodeProto n = found.get(0);
            float fileEps = n.floatAttribute("epsilon", 1e-5f);
            float[] gamma = ctx.floats(n.input(1));
            float[] beta = ctx.floats(n.input(2));
            float[] mean = ctx.floats(n.input(3));
            float[] var = ctx.floats(n.input(4));
            if (gamma.length != c) {
                throw ctx.mismatch(name, "a BatchNorm over " + c + " channels", tensor);
            }
            for (int i = 0; i < c; i++) {
                var[i] = Math.max(0f, var[i] + fileEps - eps); // same σ whatever either side's ε
                if (pendingBias != null) {
                    mean[i] -= pendingBias[i]; // a convolution bias before BatchNorm: absorbed into μ
                }
            }
            ctx.setPendingBias(null);
            ctx.put(bn.getGamma(), gamma);
            ctx.put(bn.getBeta(), beta);
            ctx.put(bn.getRunningMean(), mean);
            ctx.put(bn.getRunningVar(), var);
            ctx.imported(bn);
            return n.output(0);
        }
        if (pendingBias == null && !(ctx.previous() instanceof Linear)) {
            throw ctx.mismatch(name, "a BatchNorm (or a convolution with a bias, where BatchNorm was folded in)", tensor);
        }
        // Folded into the previous layer: a BatchNorm that only adds the bias, exact in inference mode.
        float[] gamma = new float[c];
        float[] var = new float[c];
        Arrays.fill(gamma, 1f);
        Arrays.fill(var, 1f - eps);
        ctx.put(bn.getGamma(), gamma);
        ctx.put(bn.getBeta(), pendingBias != null ? pendingBias : new float[c]);
        ctx.put(bn.getRunningMean(), new float[c]);
        ctx.put(bn.getRunningVar(), var);
        ctx.setPendingBias(null);
        ctx.markBatchNormFolded();
        ctx.imported(bn);
        return tensor;
    }
}
