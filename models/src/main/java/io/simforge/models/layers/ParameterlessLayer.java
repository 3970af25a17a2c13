package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Base of the layers without weights. Unlike DJL's {@code LambdaBlock}, each subclass is a named class
 * with getters for its settings, so the ONNX exporter can translate it.
 */
abstract class ParameterlessLayer extends AbstractBlock {
    private static final byte VERSION = 1;

    ParameterlessLayer() {
        super(VERSION);
    }

    abstract NDArray apply(NDArray x);

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }
}
