package io.simforge.models.onnx;

import ai.djl.nn.Block;
import io.simforge.onnx.GraphBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a network's layers as ONNX nodes, each through its {@link LayerCodec}, in inference-mode semantics
 * (BatchNorm on running statistics). The caller declares the graph's inputs and outputs.
 */
public final class OnnxNetworkWriter {
    private final int opset;
    private final boolean foldBatchNorm;

    private OnnxNetworkWriter(Builder b) {
        this.opset = b.opset;
        this.foldBatchNorm = b.foldBatchNorm;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Emits the nodes of {@code network} (a layer, or a SequentialBlock of layers, nested or not) reading
     * {@code input}; returns the name of the tensor it outputs.
     *
     * @throws UnsupportedLayerException for a layer without a codec (the graph is then incomplete: discard it)
     */
    public String write(GraphBuilder graph, Block network, String input) {
        List<Block> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        WriteContext.flatten(network, "", layers, names);
        return new WriteContext(graph, opset, foldBatchNorm).write(layers, names, input);
    }

    /** Builder: every option has a default. */
    public static final class Builder {
        private int opset = 17;
        private boolean foldBatchNorm;

        private Builder() {}

        /** The default-domain opset the graph targets (default 17). */
        public Builder optOpset(int opset) {
            this.opset = opset;
            return this;
        }

        /** Fold each BatchNorm that follows a convolution or linear layer into its weights (default off). */
        public Builder optFoldBatchNorm(boolean fold) {
            this.foldBatchNorm = fold;
            return this;
        }

        public OnnxNetworkWriter build() {
            return new OnnxNetworkWriter(this);
        }
    }
}
