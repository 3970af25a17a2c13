package io.simforge.models.onnx;

import ai.djl.nn.Block;

/**
 * A codec for a layer computing {@code x·Wᵀ + b} per output channel (convolution, linear) whose parameters are
 * named {@code weight} (output channels first) and {@code bias}: another layer can be folded into it by changing
 * those values.
 *
 * @param <B> the layer class
 */
public interface AffineCodec<B extends Block> extends LayerCodec<B> {
    /**
     * Emits the layer with {@code weight} (the shape of its own) and {@code bias} (one per output channel) in place
     * of its parameters; returns the output tensor.
     */
    String writeWith(WriteContext ctx, B layer, float[] weight, float[] bias, String input);
}
