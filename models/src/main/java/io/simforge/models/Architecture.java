package io.simforge.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.models.layers.FlattenLayer;
import io.simforge.models.layers.GlobalAvgPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import java.util.Arrays;

/**
 * A serialisable description of an embedding network: enough to rebuild the same block for training,
 * for loading saved weights, and for export. Saved as {@code architecture.json} beside the weights.
 *
 * @param kind {@code convnet} or {@code mlp}
 * @param inputShape one item's shape: C,H,W for images, D for vectors
 * @param widths convolution channels per stage (convnet) or hidden units per layer (mlp)
 * @param embeddingSize size of the L2-normalised embedding
 */
public record Architecture(String kind, int[] inputShape, int[] widths, int embeddingSize) {
    public static final String CONVNET = "convnet";
    public static final String MLP = "mlp";

    public Architecture {
        if (!CONVNET.equals(kind) && !MLP.equals(kind)) {
            throw new IllegalArgumentException("unknown architecture '" + kind + "'; choose convnet or mlp");
        }
        if (CONVNET.equals(kind) && inputShape.length != 3) {
            throw new IllegalArgumentException("convnet needs an input shape C,H,W, got " + Arrays.toString(inputShape));
        }
        if (widths.length == 0 && CONVNET.equals(kind)) {
            throw new IllegalArgumentException("convnet needs at least one stage width");
        }
        if (embeddingSize <= 0 || Arrays.stream(widths).anyMatch(w -> w <= 0)
                || Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("sizes must be positive: input " + Arrays.toString(inputShape)
                    + ", widths " + Arrays.toString(widths) + ", embedding " + embeddingSize);
        }
    }

    /** The small ConvNet: 3×3 conv → BatchNorm → ReLU per stage, 2×2 max pool between stages. */
    public static Architecture convNet(int channels, int height, int width, int embeddingSize, int... stageWidths) {
        return new Architecture(CONVNET, new int[] {channels, height, width}, stageWidths, embeddingSize);
    }

    /** An MLP over feature vectors (images are flattened): Linear → BatchNorm → ReLU per hidden layer. */
    public static Architecture mlp(int[] inputShape, int embeddingSize, int... hidden) {
        return new Architecture(MLP, inputShape, hidden, embeddingSize);
    }

    /** Input shape with a leading batch dimension. */
    public Shape batchInputShape(long batch) {
        long[] dims = new long[inputShape.length + 1];
        dims[0] = batch;
        for (int i = 0; i < inputShape.length; i++) {
            dims[i + 1] = inputShape[i];
        }
        return new Shape(dims);
    }

    /** Builds a fresh, uninitialised block. */
    public SequentialBlock build() {
        SequentialBlock net = new SequentialBlock();
        if (CONVNET.equals(kind)) {
            for (int s = 0; s < widths.length; s++) {
                net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(widths[s]).optBias(false).build());
                net.add(new BatchNormLayer());
                net.add(new ReluLayer());
                if (s < widths.length - 1) {
                    net.add(new MaxPoolLayer(2, 2, 0));
                }
            }
            net.add(new GlobalAvgPoolLayer());
        } else {
            if (inputShape.length > 1) {
                net.add(new FlattenLayer());
            }
            for (int h : widths) {
                net.add(Linear.builder().setUnits(h).build());
                net.add(new BatchNormLayer());
                net.add(new ReluLayer());
            }
        }
        net.add(Linear.builder().setUnits(embeddingSize).build());
        net.add(new L2NormLayer());
        return net;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && a.kind.equals(kind) && Arrays.equals(a.inputShape, inputShape)
                && Arrays.equals(a.widths, widths) && a.embeddingSize == embeddingSize;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(inputShape) * 17 + Arrays.hashCode(widths) + embeddingSize;
    }

    @Override
    public String toString() {
        return kind + "(input " + Arrays.toString(inputShape) + ", widths " + Arrays.toString(widths)
                + ", embedding " + embeddingSize + ")";
    }
}
