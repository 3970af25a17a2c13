package io.simforge.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;

/**
 * A network of a given architecture initialised exactly as training initialises it (same seed), but not
 * trained: the baseline a trained model must beat, since a random network already clusters some data.
 */
public final class UntrainedNetwork {
    private UntrainedNetwork() {}

    /** The network (the caller closes the model). */
    public static Model create(Architecture architecture, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        Model model = Model.newInstance("untrained", Device.cpu());
        Block block = architecture.build();
        block.setInitializer(TrainingLoop.weightInitializer(), Parameter.Type.WEIGHT);
        block.initialize(model.getNDManager(), DataType.FLOAT32, architecture.batchInputShape(1));
        model.setBlock(block);
        return model;
    }

    /**
     * Its embeddings of preprocessed inputs.
     *
     * @param inputs row-major, {@code n × item size}
     * @return row-major {@code n × embedding size}
     */
    public static float[] embed(Architecture architecture, long seed, float[] inputs) {
        try (Model model = create(architecture, seed)) {
            return DjlEmbedder.embed(model.getBlock(), model.getNDManager(), inputs, architecture.inputShape(), 256);
        }
    }
}
