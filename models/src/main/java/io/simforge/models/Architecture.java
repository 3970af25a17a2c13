package io.simforge.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.models.layers.FlattenLayer;
import io.simforge.models.layers.GlobalAvgPoolLayer;
import io.simforge.models.layers.GlobalMaxPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import io.simforge.models.layers.ResidualBlock;
import com.google.gson.annotations.SerializedName;
import java.util.Arrays;

/**
 * A serialisable description of an embedding network: enough to rebuild the same block for training,
 * for loading saved weights, and for export. Saved in a saved model's {@code simforge-model.json}
 * ({@link SavedModel}).
 *
 * @param kind the network family
 * @param inputShape one item's shape: C,H,W for images, D for vectors
 * @param widths convolution channels per stage (convnet), hidden units per layer (mlp), or the width of the
 *     first stage (ResNets: 64 is the standard network; the others double it per stage)
 * @param embeddingSize size of the L2-normalised embedding
 * @param pooling the global pooling before the embedding head (ResNets)
 * @param frozenBatchNorm BatchNorm layers use and keep their running statistics during training (ResNets;
 *     the MS paper's recipe freezes them)
 */
public record Architecture(Kind kind, int[] inputShape, int[] widths, int embeddingSize, Pooling pooling,
        boolean frozenBatchNorm) {
    /** The network families; the JSON spelling is the lower-case name ({@code convnet}, {@code resnet18}, …). */
    public enum Kind {
        @SerializedName("convnet") CONVNET,
        @SerializedName("mlp") MLP,
        @SerializedName("resnet18") RESNET18,
        @SerializedName("resnet34") RESNET34,
        @SerializedName("resnet50") RESNET50;

        /** Parses {@code convnet}, {@code mlp}, {@code resnet18}, {@code resnet34} or {@code resnet50}. */
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.toString().equalsIgnoreCase(text.trim())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("architecture '" + text + "' is unknown: choose " + NAMES);
        }

        public boolean isResNet() {
            return this == RESNET18 || this == RESNET34 || this == RESNET50;
        }

        /** Whether it takes images (C,H,W); the MLP takes vectors (images are flattened). */
        public boolean isConvolutional() {
            return this != MLP;
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Global pooling before the embedding head; JSON spelling {@code avg} or {@code max}. */
    public enum Pooling {
        @SerializedName("avg") AVG,
        @SerializedName("max") MAX;

        public static Pooling parse(String text) {
            for (Pooling p : values()) {
                if (p.toString().equalsIgnoreCase(text.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("pooling '" + text + "' is unknown: choose avg or max");
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The architecture names as users type them. */
    public static final String NAMES = "convnet, mlp, resnet18, resnet34 or resnet50";

    public Architecture {
        pooling = pooling == null ? Pooling.AVG : pooling; // files written before ResNets had no pooling field
        if (kind == null) {
            throw new IllegalArgumentException("an architecture needs a kind: " + NAMES);
        }
        if (kind.isConvolutional() && inputShape.length != 3) {
            throw new IllegalArgumentException(kind + " needs an input shape C,H,W, got " + Arrays.toString(inputShape));
        }
        if (kind.isResNet() && widths.length != 1) {
            throw new IllegalArgumentException(kind + " takes one width (of its first stage, 64 by default), got "
                    + Arrays.toString(widths));
        }
        if (widths.length == 0 && kind == Kind.CONVNET) {
            throw new IllegalArgumentException("convnet needs at least one stage width");
        }
        if (embeddingSize <= 0 || Arrays.stream(widths).anyMatch(w -> w <= 0)
                || Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("sizes must be positive: input " + Arrays.toString(inputShape)
                    + ", widths " + Arrays.toString(widths) + ", embedding " + embeddingSize);
        }
        inputShape = inputShape.clone();
        widths = widths.clone();
    }

    public Architecture(Kind kind, int[] inputShape, int[] widths, int embeddingSize) {
        this(kind, inputShape, widths, embeddingSize, Pooling.AVG, false);
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** The small ConvNet: 3×3 conv → BatchNorm → ReLU per stage, 2×2 max pool between stages. */
    public static Architecture convNet(int channels, int height, int width, int embeddingSize, int... stageWidths) {
        return new Architecture(Kind.CONVNET, new int[] {channels, height, width}, stageWidths, embeddingSize);
    }

    /** An MLP over feature vectors (images are flattened): Linear → BatchNorm → ReLU per hidden layer. */
    public static Architecture mlp(int[] inputShape, int embeddingSize, int... hidden) {
        return new Architecture(Kind.MLP, inputShape, hidden, embeddingSize);
    }

    /**
     * A ResNet (He et al. 2016; torchvision's layout: 7×7/2 stem, 3×3/2 max pool, four stages, stride on the
     * 3×3 convolution of bottlenecks) with global {@code pooling}, then a linear embedding head and L2
     * normalisation.
     *
     * @param depth 18, 34 or 50
     * @param baseWidth channels of the first stage: 64 for the standard network, less for small experiments
     */
    public static Architecture resNet(int depth, int channels, int height, int width, int embeddingSize, int baseWidth,
            Pooling pooling, boolean frozenBatchNorm) {
        Kind kind = switch (depth) {
            case 18 -> Kind.RESNET18;
            case 34 -> Kind.RESNET34;
            case 50 -> Kind.RESNET50;
            default -> throw new IllegalArgumentException("ResNets come in depths 18, 34 and 50, not " + depth);
        };
        return new Architecture(kind, new int[] {channels, height, width}, new int[] {baseWidth},
                embeddingSize, pooling, frozenBatchNorm);
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
        if (kind.isResNet()) {
            buildResNet(net);
        } else if (kind == Kind.CONVNET) {
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

    private void buildResNet(SequentialBlock net) {
        boolean bottleneck = kind == Kind.RESNET50;
        int[] blocks = kind == Kind.RESNET18 ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
        int base = widths[0];
        net.add(conv(base, 7, 2, 3));
        net.add(batchNorm());
        net.add(new ReluLayer());
        net.add(new MaxPoolLayer(3, 2, 1));
        int in = base;
        for (int stage = 0; stage < 4; stage++) {
            int width = base << stage;
            int out = bottleneck ? width * 4 : width;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                SequentialBlock main = new SequentialBlock();
                if (bottleneck) {
                    main.add(conv(width, 1, 1, 0)).add(batchNorm()).add(new ReluLayer())
                            .add(conv(width, 3, stride, 1)).add(batchNorm()).add(new ReluLayer())
                            .add(conv(out, 1, 1, 0)).add(batchNorm());
                } else {
                    main.add(conv(width, 3, stride, 1)).add(batchNorm()).add(new ReluLayer())
                            .add(conv(width, 3, 1, 1)).add(batchNorm());
                }
                SequentialBlock shortcut = null;
                if (stride != 1 || in != out) {
                    shortcut = new SequentialBlock().add(conv(out, 1, stride, 0)).add(batchNorm());
                }
                net.add(new ResidualBlock(main, shortcut));
                in = out;
            }
        }
        net.add(pooling == Pooling.MAX ? new GlobalMaxPoolLayer() : new GlobalAvgPoolLayer());
    }

    private static Conv2d conv(int filters, int kernel, int stride, int pad) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad)).setFilters(filters).optBias(false).build();
    }

    private BatchNormLayer batchNorm() {
        return new BatchNormLayer(1e-5f, 0.9f, frozenBatchNorm);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && a.kind == kind && Arrays.equals(a.inputShape, inputShape)
                && Arrays.equals(a.widths, widths) && a.embeddingSize == embeddingSize && a.pooling == pooling
                && a.frozenBatchNorm == frozenBatchNorm;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(inputShape) * 17 + Arrays.hashCode(widths) + embeddingSize
                + pooling.hashCode() * 7 + (frozenBatchNorm ? 1 : 0);
    }

    @Override
    public String toString() {
        return kind + "(input " + Arrays.toString(inputShape) + ", widths " + Arrays.toString(widths)
                + ", embedding " + embeddingSize + (kind.isResNet() ? ", " + pooling + " pooling"
                + (frozenBatchNorm ? ", frozen BatchNorm" : "") : "") + ")";
    }
}
