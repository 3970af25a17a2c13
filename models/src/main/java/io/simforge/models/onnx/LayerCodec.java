package io.simforge.models.onnx;

import ai.djl.nn.Block;
import java.io.IOException;

/**
 * Everything simforge knows about one kind of layer in ONNX: the nodes it becomes, and how to find it again in a
 * graph (ours, or one PyTorch wrote) and take its weights back. One implementation per layer class, registered in
 * {@link LayerCodecs}; the generic walkers ({@link OnnxNetworkWriter}, {@link ReadContext}) do the rest.
 *
 * @param <B> the layer class
 */
public interface LayerCodec<B extends Block> {
    /** The layer class this codec handles. */
    Class<B> layerClass();

    /**
     * Emits the nodes of {@code layer}, reading {@code input}; returns the name of the tensor it outputs.
     *
     * @param name the layer's path in the network, for messages
     */
    String write(WriteContext ctx, B layer, String name, String input);

    /**
     * Matches {@code layer} in the graph at {@code tensor} and records its weights in {@code ctx} (nothing is
     * written to the network before the whole walk succeeds); returns the tensor after the layer, or null when the
     * walk ends here (an embedding head the file does not have).
     *
     * @throws IOException when the graph has something else there; the message names the layer and what was found
     */
    String read(ReadContext ctx, B layer, String name, String tensor) throws IOException;

    /**
     * Whether, on export, this layer is folded into the {@code previous} one instead of becoming nodes of its own
     * (BatchNorm into the convolution or linear layer before it, when the export asks for that).
     */
    default boolean foldsInto(WriteContext ctx, B layer, Block previous) {
        return false;
    }

    /** Emits {@code previous} with this layer folded into it; returns the output tensor. */
    default String writeFolded(WriteContext ctx, B layer, Block previous, String input) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " folds into no other layer");
    }
}
