package io.simforge.models.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A ResNet block: {@code relu(main(x) + shortcut(x))}, where the shortcut is the identity or a
 * projection (1×1 convolution and BatchNorm) when the shape changes. Both branches are plain sequences of
 * exportable layers, and the exporter reads them through {@link #getMain()} and {@link #getShortcut()}.
 */
public final class ResidualBlock extends AbstractBlock {
    private static final byte VERSION = 1;
    private final SequentialBlock main;
    private final SequentialBlock shortcut;

    /** @param shortcut the projection, or null for the identity */
    public ResidualBlock(SequentialBlock main, SequentialBlock shortcut) {
        super(VERSION);
        this.main = addChildBlock("main", main);
        this.shortcut = shortcut == null ? null : addChildBlock("shortcut", shortcut);
    }

    public SequentialBlock getMain() {
        return main;
    }

    /** The projection branch, or null when the shortcut is the identity. */
    public SequentialBlock getShortcut() {
        return shortcut;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = main.forward(ps, new NDList(x), training, params).singletonOrThrow();
        NDArray s = shortcut == null ? x : shortcut.forward(ps, new NDList(x), training, params).singletonOrThrow();
        return new NDList(Activation.relu(y.add(s)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return main.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        main.initialize(manager, dataType, inputShapes);
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
        }
    }
}
