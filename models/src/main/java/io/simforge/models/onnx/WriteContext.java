package io.simforge.models.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import io.simforge.onnx.GraphBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link LayerCodec} writes into: the graph being built and the export's options. It also walks
 * sequences of layers, so codecs of composite layers (a residual block's branches) can emit their parts.
 */
public final class WriteContext {
    private final GraphBuilder graph;
    private final int opset;
    private final boolean foldBatchNorm;

    WriteContext(GraphBuilder graph, int opset, boolean foldBatchNorm) {
        this.graph = graph;
        this.opset = opset;
        this.foldBatchNorm = foldBatchNorm;
    }

    /** The graph the nodes and initialisers go into. */
    public GraphBuilder graph() {
        return graph;
    }

    /** The default-domain opset the graph targets (some operators changed their signature between opsets). */
    public int opset() {
        return opset;
    }

    /** Whether BatchNorm after a convolution or linear layer is folded into its weights. */
    public boolean foldBatchNorm() {
        return foldBatchNorm;
    }

    /** Emits the layers of {@code sequence} (nested sequences flattened) in order; returns the last output. */
    public String writeSequence(SequentialBlock sequence, String name, String input) {
        List<Block> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        flatten(sequence, name, layers, names);
        return write(layers, names, input);
    }

    String write(List<Block> layers, List<String> names, String input) {
        String current = input;
        for (int i = 0; i < layers.size(); i++) {
            Block layer = layers.get(i);
            if (i + 1 < layers.size()) {
                Block next = layers.get(i + 1);
                LayerCodec<Block> nextCodec = LayerCodecs.find(next);
                if (nextCodec != null && nextCodec.foldsInto(this, next, layer)) {
                    current = nextCodec.writeFolded(this, next, layer, current);
                    i++;
                    continue;
                }
            }
            LayerCodec<Block> codec = LayerCodecs.find(layer);
            if (codec == null) {
                throw new UnsupportedLayerException(names.get(i), layer.getClass());
            }
            current = codec.write(this, layer, names.get(i), current);
        }
        return current;
    }

    static void flatten(Block b, String name, List<Block> out, List<String> names) {
        if (b instanceof SequentialBlock seq) {
            var children = seq.getChildren();
            for (int i = 0; i < children.size(); i++) {
                String child = children.get(i).getKey();
                flatten(children.get(i).getValue(), name.isEmpty() ? child : name + "/" + child, out, names);
            }
        } else {
            out.add(b);
            names.add(name);
        }
    }

    /** A layer's initialised parameter. */
    public static NDArray parameter(Block layer, String name) {
        Parameter p = layer.getDirectParameters().get(name);
        if (p == null || p.getArray() == null) {
            throw new IllegalStateException("layer " + layer.getClass().getSimpleName() + " has no initialised '" + name
                    + "' parameter; train or load the model before exporting it");
        }
        return p.getArray();
    }

    /** A layer's initialised parameter, or null when the layer has none of that name (a layer without bias). */
    public static NDArray optionalParameter(Block layer, String name) {
        Parameter p = layer.getDirectParameters().get(name);
        return p == null ? null : p.getArray();
    }
}
