package io.simforge.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.simforge.core.data.ImageDataset;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.sampling.PkSampler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains an embedding network with a metric loss on P×K batches.
 *
 * <p>The step is driven here rather than by DJL's {@code EasyTrain}, which would split a batch across
 * devices and let in-batch mining see only a slice. Each step's arrays live in a sub-manager closed at
 * the end of the step, so native memory stays flat over long runs.
 */
public final class EmbeddingTrainer {
    /** Called after every iteration. */
    @FunctionalInterface
    public interface Listener {
        void onIteration(int iteration, int total, float loss);

        /** Called after each validation, with Recall@1/2/4/8, P@1, MAP@R and R-Precision. */
        default void onValidation(int iteration, Map<String, Double> metrics) {}
    }

    /**
     * Evaluate on {@code data} (leave-one-out retrieval, inference mode) before training, every {@code every}
     * iterations and after the last one. Only observed, never used to pick a model.
     */
    public record Validation(ImageDataset data, int every) {
        public Validation {
            if (every <= 0) {
                throw new IllegalArgumentException("validation interval must be positive, got " + every);
            }
            if (data.size() < 2) {
                throw new IllegalArgumentException("validation needs at least 2 images, got " + data.size());
            }
        }
    }

    private EmbeddingTrainer() {}

    /** He initialisation, which suits ReLU networks; used for every weight. */
    static XavierInitializer weightInitializer() {
        return new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2);
    }

    /**
     * A network of the given architecture initialised as training initialises it, but not trained: the
     * baseline a trained model must beat. The caller closes the model.
     */
    public static Model untrained(Architecture architecture, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        Model model = Model.newInstance("untrained", Device.cpu());
        Block block = architecture.build();
        block.setInitializer(weightInitializer(), Parameter.Type.WEIGHT);
        block.initialize(model.getNDManager(), DataType.FLOAT32, architecture.batchInputShape(1));
        model.setBlock(block);
        return model;
    }

    public static Architecture architectureFor(TrainConfig c, ImageDataset data) {
        int[] shape = {data.channels(), data.height(), data.width()};
        if (c.architecture.startsWith("resnet")) {
            return new Architecture(c.architecture, shape, c.widths, c.embeddingSize, c.pooling, c.frozenBatchNorm);
        }
        return "convnet".equals(c.architecture)
                ? Architecture.convNet(shape[0], shape[1], shape[2], c.embeddingSize, c.widths)
                : Architecture.mlp(shape, c.embeddingSize, c.widths);
    }

    public static TrainedModel train(TrainConfig config, ImageDataset data, Preprocessing preprocessing,
            Listener listener) {
        return train(config, data, preprocessing, null, listener);
    }

    /** As {@link #train(TrainConfig, ImageDataset, Preprocessing, Listener)}, validating as it goes. */
    public static TrainedModel train(TrainConfig config, ImageDataset data, Preprocessing preprocessing,
            Validation validation, Listener listener) {
        config.validate();
        if (preprocessing.channels() != data.channels() || preprocessing.height() != data.height()
                || preprocessing.width() != data.width()) {
            throw new IllegalArgumentException("preprocessing expects " + preprocessing.channels() + "x"
                    + preprocessing.height() + "x" + preprocessing.width() + " images but the dataset holds "
                    + data.channels() + "x" + data.height() + "x" + data.width());
        }
        PkSampler sampler = PkSampler.builder().setLabels(data.labels())
                .setBatch(config.batchSize, config.samplesPerClass).optSeed(config.seed).build();
        Architecture architecture = architectureFor(config, data);
        MetricLoss loss = Losses.fromConfig(config);
        Engine.getInstance().setRandomSeed((int) config.seed);

        Model model = Model.newInstance("simforge", Device.cpu());
        List<Float> losses = new ArrayList<>(config.iterations);
        long start = System.nanoTime();
        try {
            model.setBlock(architecture.build());
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(config.learningRate))
                    .optWeightDecays(config.weightDecay).build();
            DefaultTrainingConfig tc = new DefaultTrainingConfig(loss).optOptimizer(adam)
                    .optDevices(new Device[] {Device.cpu()})
                    .optInitializer(weightInitializer(), Parameter.Type.WEIGHT);
            int batch = sampler.batchSize();
            int itemSize = data.imageSize();
            Shape inputShape = architecture.batchInputShape(batch);
            float[] pixels = new float[batch * itemSize];
            int[] labels = new int[batch];
            // One native input buffer for the whole run: DJL wraps a direct buffer without copying, while arrays
            // created from heap data get a fresh direct copy each step whose native memory waits for a garbage
            // collection, so resident memory would climb by a batch per step until the heap next fills.
            ByteBuffer inputBytes = ByteBuffer.allocateDirect(batch * itemSize * Float.BYTES).order(ByteOrder.nativeOrder());
            ByteBuffer labelBytes = ByteBuffer.allocateDirect(batch * Integer.BYTES).order(ByteOrder.nativeOrder());
            float[] validationInputs = validation == null ? null : preprocessing.inputs(validation.data());
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(inputShape);
                if (validation != null && listener != null) {
                    listener.onValidation(0, validate(model, architecture, validation, validationInputs));
                }
                for (int it = 1; it <= config.iterations; it++) {
                    int[] idx = sampler.next();
                    for (int b = 0; b < batch; b++) {
                        preprocessing.inputs(data, idx[b], 1, pixels, b * itemSize);
                        labels[b] = data.label(idx[b]);
                    }
                    float value;
                    try (NDManager step = trainer.getManager().newSubManager()) {
                        inputBytes.clear();
                        inputBytes.asFloatBuffer().put(pixels);
                        labelBytes.clear();
                        labelBytes.asIntBuffer().put(labels);
                        NDArray x = step.create(inputBytes, inputShape, DataType.FLOAT32);
                        NDArray y = step.create(labelBytes, new Shape(batch), DataType.INT32);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray embeddings = trainer.forward(new NDList(x)).singletonOrThrow();
                            // Mining drops NaN similarities (every comparison is false), which would hide a
                            // diverged network behind a loss of 0: check the embeddings themselves.
                            if (embeddings.isNaN().any().getBoolean()) {
                                throw new TrainingDivergedException(it, "the embeddings contain NaN");
                            }
                            NDArray l = loss.compute(embeddings, y);
                            value = l.getFloat();
                            if (!Float.isFinite(value)) {
                                throw new TrainingDivergedException(it, "the loss is " + value);
                            }
                            gc.backward(l);
                        }
                        trainer.step();
                    }
                    losses.add(value);
                    if (listener != null) {
                        listener.onIteration(it, config.iterations, value);
                        if (validation != null && (it % validation.every() == 0 || it == config.iterations)) {
                            listener.onValidation(it, validate(model, architecture, validation, validationInputs));
                        }
                    }
                }
            }
            return new TrainedModel(model, architecture, preprocessing, losses, (System.nanoTime() - start) / 1e9);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static Map<String, Double> validate(Model model, Architecture architecture, Validation validation,
            float[] inputs) {
        float[] e = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), inputs, architecture.inputShape(), 256);
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(e, architecture.embeddingSize(),
                validation.data().labels(), 1, 2, 4, 8);
        Map<String, Double> out = new LinkedHashMap<>();
        s.recallAtK().forEach((k, v) -> out.put("recall@" + k, v));
        out.put("p@1", s.precisionAt1());
        out.put("map@r", s.mapAtR());
        out.put("r_precision", s.rPrecision());
        return out;
    }
}
