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
import io.simforge.datasets.ImageDataset;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.sampling.PkSampler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
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
    public record Validation(float[] inputs, int[] labels, int every) {
        public Validation {
            if (every <= 0) {
                throw new IllegalArgumentException("validation interval must be positive, got " + every);
            }
            if (labels.length < 2) {
                throw new IllegalArgumentException("validation needs at least 2 images, got " + labels.length);
            }
        }

        /** Validation on an in-memory dataset, preprocessed once. */
        public static Validation of(ImageDataset data, Preprocessing pre, int every) {
            return new Validation(data.inputs(pre), data.labels(), every);
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
        return architectureFor(c, new int[] {data.channels(), data.height(), data.width()});
    }

    /** The configured architecture for inputs of {@code shape} (C,H,W). */
    public static Architecture architectureFor(TrainConfig c, int[] shape) {
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
        return train(config, data, preprocessing, validation, listener, null, false);
    }

    /**
     * As {@link #train(TrainConfig, ImageDataset, Preprocessing, Validation, Listener)}, keeping checkpoints
     * in {@code run} (every {@link TrainConfig#checkpointEvery} iterations and at the end; none when
     * {@code run} is null) and, with {@code resume}, continuing from the latest one: same weights, same
     * learning-rate schedule position and optimiser state, the same batches the uninterrupted run would have
     * drawn (see {@link Checkpoint}).
     */
    public static TrainedModel train(TrainConfig config, ImageDataset data, Preprocessing preprocessing,
            Validation validation, Listener listener, java.nio.file.Path run, boolean resume) {
        return train(config, TrainingImages.of(data, preprocessing), preprocessing, validation, listener, run, resume);
    }

    /**
     * As above, from any {@link TrainingImages}: image files are decoded and augmented on other threads while
     * the previous step runs. An unreadable file is skipped with one warning naming it (another image of its
     * class takes its place in the batch) unless {@link TrainConfig#strictImages} makes it fatal.
     */
    public static TrainedModel train(TrainConfig config, TrainingImages data, Preprocessing preprocessing,
            Validation validation, Listener listener, java.nio.file.Path run, boolean resume) {
        config.validate();
        PkSampler sampler = PkSampler.builder().setLabels(data.labels())
                .setBatch(config.batchSize, config.samplesPerClass).optSeed(config.seed).build();
        Architecture architecture = architectureFor(config, data.inputShape());
        MetricLoss loss = Losses.fromConfig(config);
        Engine.getInstance().setRandomSeed((int) config.seed);

        Device[] devices = devices(config.device);
        if (devices.length > 1 && (config.gradientClip > 0 || config.gradientClipNorm > 0)) {
            // Clipping reads the first device's gradients before DJL sums the replicas': it would clip a part.
            throw new IllegalArgumentException("gradient clipping is not supported with several GPUs yet (device "
                    + config.device + "); train on one GPU, or without gradientClip and gradientClipNorm");
        }
        Model model = Model.newInstance("simforge", devices[0]);
        List<Float> losses = new ArrayList<>(config.iterations);
        long start = System.nanoTime();
        try {
            model.setBlock(architecture.build());
            int done = 0;
            java.nio.file.Path checkpoint = null;
            if (resume) {
                checkpoint = Checkpoint.latest(run);
                Checkpoint.State state = Checkpoint.readState(checkpoint);
                if (!state.architecture().equals(config.architecture)) {
                    throw new IllegalArgumentException(checkpoint + " holds a " + state.architecture() + ", but the "
                            + "configuration trains a " + config.architecture);
                }
                done = state.iteration();
                for (int i = 0; i < done; i++) {
                    sampler.next(); // the batches the interrupted run already used
                }
            }
            ResumableOptimizer optimizer = optimizer(config, model.getBlock(), done);
            if (checkpoint != null) {
                Checkpoint.loadOptimizer(checkpoint, optimizer);
            }
            DefaultTrainingConfig tc = new DefaultTrainingConfig(loss).optOptimizer(optimizer)
                    // Several devices replicate the network; DataParallel gathers the embeddings for the loss.
                    .optDevices(devices)
                    .optInitializer(weightInitializer(), Parameter.Type.WEIGHT);
            int batch = sampler.batchSize();
            int itemSize = java.util.Arrays.stream(data.inputShape()).reduce(1, (a, b) -> a * b);
            BatchLoader loader = new BatchLoader(data, config, itemSize);
            Shape inputShape = architecture.batchInputShape(batch);
            float[] pixels = new float[batch * itemSize];
            int[] labels = new int[batch];
            // One native input buffer for the whole run: DJL wraps a direct buffer without copying, while arrays
            // created from heap data get a fresh direct copy each step whose native memory waits for a garbage
            // collection, so resident memory would climb by a batch per step until the heap next fills.
            ByteBuffer inputBytes = ByteBuffer.allocateDirect(batch * itemSize * Float.BYTES).order(ByteOrder.nativeOrder());
            ByteBuffer labelBytes = ByteBuffer.allocateDirect(batch * Integer.BYTES).order(ByteOrder.nativeOrder());
            float[] validationInputs = validation == null ? null : validation.inputs();
            java.nio.file.Path initial = checkpoint;
            java.nio.file.Path onnx = null;
            if (initial == null && config.initFrom != null) {
                config.checkInitFrom();
                java.nio.file.Path source = java.nio.file.Path.of(config.initFrom);
                if (java.nio.file.Files.isRegularFile(source)) {
                    onnx = source; // an ONNX file: weights matched to this architecture layer by layer
                } else {
                    Architecture theirs = io.simforge.models.SavedModel.readDescription(source).architecture();
                    if (!theirs.equals(architecture)) {
                        throw new IllegalArgumentException("initFrom " + source + " holds " + theirs + ", but this run "
                                + "trains " + architecture + "; start from a model of the same architecture");
                    }
                    initial = source;
                }
            }
            if (initial != null || onnx != null) {
                // Parameters that exist before the trainer initialises the block are kept as they are.
                model.getBlock().setInitializer(weightInitializer(), Parameter.Type.WEIGHT);
                model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
                if (onnx != null) {
                    importOnnx(onnx, model.getBlock(), config);
                } else {
                    Checkpoint.loadWeights(initial, model.getBlock(), model.getNDManager());
                }
            }
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(inputShape);
                if (validation != null && listener != null && done == 0) {
                    listener.onValidation(0, validate(model, architecture, validation, validationInputs));
                }
                int last = done;
                int bestIteration = 0;
                double bestRecall = Double.NaN;
                int sinceBest = 0;
                // The next batch is decoded while the current step runs (for image files; in-memory data is
                // filled in place). Batches are drawn in order, so the run is the same either way.
                java.util.concurrent.CompletableFuture<Void> pending = done < config.iterations
                        ? loader.start(done + 1, sampler.next(), pixels, labels) : null;
                for (int it = done + 1; it <= config.iterations; it++) {
                    last = it;
                    BatchLoader.join(pending);
                    inputBytes.clear();
                    inputBytes.asFloatBuffer().put(pixels);
                    labelBytes.clear();
                    labelBytes.asIntBuffer().put(labels);
                    pending = it < config.iterations ? loader.start(it + 1, sampler.next(), pixels, labels) : null;
                    float value;
                    try (NDManager step = trainer.getManager().newSubManager()) {
                        NDArray x = step.create(inputBytes, inputShape, DataType.FLOAT32);
                        NDArray y = step.create(labelBytes, new Shape(batch), DataType.INT32);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray embeddings = DataParallel.forward(
                                    slice -> trainer.forward(new NDList(slice)).singletonOrThrow(), x, devices);
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
                        if (config.gradientClip > 0 || config.gradientClipNorm > 0) {
                            clip(model.getBlock(), config);
                        }
                        trainer.step();
                    }
                    losses.add(value);
                    if (run != null && (it == config.iterations
                            || (config.checkpointEvery > 0 && it % config.checkpointEvery == 0))) {
                        Checkpoint.save(run, model.getBlock(), optimizer, it, config);
                    }
                    if (listener != null) {
                        listener.onIteration(it, config.iterations, value);
                    }
                    if (validation != null && (it % validation.every() == 0 || it == config.iterations)) {
                        Map<String, Double> v = validate(model, architecture, validation, validationInputs);
                        if (listener != null) {
                            listener.onValidation(it, v);
                        }
                        double r1 = v.get("recall@1");
                        if (Double.isNaN(bestRecall) || r1 > bestRecall) {
                            bestRecall = r1;
                            bestIteration = it;
                            sinceBest = 0;
                            if (run != null) {
                                Checkpoint.saveBest(run, model.getBlock(), it, config);
                            }
                        } else if (config.earlyStopPatience > 0 && ++sinceBest >= config.earlyStopPatience) {
                            if (run != null && it != config.iterations) {
                                Checkpoint.save(run, model.getBlock(), optimizer, it, config);
                            }
                            break; // no better Recall@1 for earlyStopPatience validations in a row
                        }
                    }
                }
                BatchLoader.join(pending); // an early stop leaves a batch in flight
                if (!loader.unreadable().isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, loader.unreadable().size() + " unreadable image(s) were skipped "
                            + "during training (each named in a warning above)");
                }
                return new TrainedModel(model, architecture, preprocessing, losses, (System.nanoTime() - start) / 1e9,
                        last, bestIteration, bestRecall);
            }
        } catch (java.io.IOException e) {
            model.close();
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static final System.Logger LOG = System.getLogger(EmbeddingTrainer.class.getName());

    /** Starting weights from an ONNX file (a torchvision ResNet, or a simforge export), reported in the log. */
    private static void importOnnx(java.nio.file.Path file, Block block, TrainConfig config) throws java.io.IOException {
        io.simforge.models.OnnxWeightImport.Report report = io.simforge.models.OnnxWeightImport.load(file, block);
        LOG.log(System.Logger.Level.INFO, report.summary());
        if (report.batchNormFolded() && !config.frozenBatchNorm) {
            LOG.log(System.Logger.Level.WARNING, file + " has BatchNorm folded into its convolutions, and this run trains "
                    + "BatchNorm: batch statistics will renormalise the imported network from the first step. Train with "
                    + "--frozen-batchnorm (the MS paper's recipe does), or export the file with BatchNorm kept "
                    + "(tools/torchvision_to_onnx.py without --fold-batchnorm).");
        }
    }

    /**
     * The devices for {@code spec}: {@code cpu}, {@code gpu} (the first GPU), {@code gpu:N}, {@code gpu:N,M,…}
     * (data-parallel over those GPUs) or {@code gpu:all}. A request the engine cannot meet falls back to the CPU
     * with one warning naming the reason.
     */
    public static Device[] devices(String spec) {
        if ("cpu".equals(spec)) {
            return new Device[] {Device.cpu()};
        }
        int gpus = Engine.getInstance().getGpuCount();
        int[] ids;
        if (spec.equals("gpu")) {
            ids = new int[] {0};
        } else if (spec.equals("gpu:all")) {
            ids = java.util.stream.IntStream.range(0, Math.max(gpus, 1)).toArray();
        } else {
            ids = java.util.Arrays.stream(spec.substring(4).split(",")).mapToInt(Integer::parseInt).toArray();
        }
        if (java.util.Arrays.stream(ids).allMatch(id -> id < gpus)) {
            return java.util.Arrays.stream(ids).mapToObj(Device::gpu).toArray(Device[]::new);
        }
        LOG.log(System.Logger.Level.WARNING, "device " + spec + " requested but the PyTorch engine sees " + gpus
                + " GPU(s) (the CPU build of PyTorch is on the class path, or no CUDA device is usable); training on "
                + "the CPU. The README's Devices section describes the GPU set-ups.");
        return new Device[] {Device.cpu()};
    }

    /** The configured gradient clipping, in place, between the backward pass and the optimiser step. */
    private static void clip(Block block, TrainConfig config) {
        List<NDArray> gradients = GradientClipping.of(block);
        try {
            if (config.gradientClip > 0) {
                GradientClipping.values(gradients, config.gradientClip);
            }
            if (config.gradientClipNorm > 0) {
                GradientClipping.norm(gradients, config.gradientClipNorm);
            }
        } finally {
            gradients.forEach(NDArray::close);
        }
    }

    /** Ids of the embedding head's parameters: the last linear layer's. */
    static java.util.Set<String> headParameterIds(Block block) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        Block head = null;
        if (block instanceof ai.djl.nn.SequentialBlock seq) {
            for (var child : seq.getChildren()) {
                if (child.getValue() instanceof ai.djl.nn.core.Linear) {
                    head = child.getValue();
                }
            }
        }
        if (head != null) {
            head.getParameters().values().forEach(p -> ids.add(p.getId()));
        }
        return ids;
    }

    /** The configured optimiser over the learning-rate schedule, counting updates from {@code beginUpdate}. */
    static ResumableOptimizer optimizer(TrainConfig c, Block block, int beginUpdate) {
        ResumableOptimizer.Kind kind = switch (c.optimizer) {
            case "sgd" -> ResumableOptimizer.Kind.SGD;
            case "adamw" -> ResumableOptimizer.Kind.ADAMW;
            default -> ResumableOptimizer.Kind.ADAM;
        };
        // No optClipGrad: DJL clips only from above; GradientClipping does it before each step.
        return ResumableOptimizer.builder(kind, new LearningRateSchedule(c, headParameterIds(block)), beginUpdate)
                .optNames(ResumableOptimizer.names(block)).optMomentum(c.optimizer.equals("sgd") ? c.momentum : 0)
                .optWeightDecays(c.weightDecay).build();
    }

    private static Map<String, Double> validate(Model model, Architecture architecture, Validation validation,
            float[] inputs) {
        float[] e = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), inputs, architecture.inputShape(), 256);
        return RetrievalMetrics.evaluate(e,
                architecture.embeddingSize(), validation.labels(), 1, 2, 4, 8).toMap();
    }
}
