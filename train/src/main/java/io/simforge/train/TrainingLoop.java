package io.simforge.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.models.OnnxWeightImport;
import io.simforge.models.SavedModel;
import io.simforge.train.loss.EmbeddingBatch;
import io.simforge.train.loss.MetricLoss;
import io.simforge.train.sampling.PkSampler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The training loop of one run: P×K batches from the sampler, forward (over several devices when asked), the
 * metric loss, backward, clipping, the optimiser step; checkpoints, validation, the best weights and early
 * stopping. {@link TrainingRun} owns the run folder and the files around it; this class owns the network.
 *
 * <p>The step is driven here rather than by DJL's {@code EasyTrain}, which would split a batch across devices and
 * let in-batch mining see only a slice. Each step's arrays live in a sub-manager closed at the end of the step,
 * so native memory stays flat over long runs.
 */
final class TrainingLoop {
    private static final System.Logger LOG = System.getLogger(TrainingLoop.class.getName());

    private final TrainConfig config;
    private final TrainingData data;
    private final Path checkpoints;
    private final Architecture architecture;
    private final MetricLoss loss;
    private final Device[] devices;
    private final PkSampler sampler;
    /** The training classes' labels, sorted: the loss sees each label as its index here. */
    private final int[] classIds;

    /**
     * @param checkpoints the run folder checkpoints go to ({@code checkpoint/}, {@code best/}), or null for none
     */
    TrainingLoop(TrainConfig config, TrainingData data, Path checkpoints) {
        this.config = config;
        this.data = data;
        this.checkpoints = checkpoints;
        this.architecture = architectureFor(config, data.items().inputShape());
        this.loss = Losses.fromConfig(config);
        this.sampler = PkSampler.builder().setLabels(data.items().labels())
                .setBatch(config.batchSize(), config.samplesPerClass()).optSeed(config.seed()).build();
        this.classIds = sampler.classIds();
        Engine.getInstance().setRandomSeed((int) config.seed());
        this.devices = Devices.of(config.device());
    }

    /** The configured architecture for items of {@code shape} (C,H,W or D). */
    static Architecture architectureFor(TrainConfig c, int[] shape) {
        if (c.architecture().isConvolutional() && shape.length != 3) {
            throw new IllegalArgumentException(c.architecture() + " takes images, but the training items are vectors "
                    + "of " + shape[0] + " values: train an mlp (architecture mlp)");
        }
        return switch (c.architecture()) {
            case CONVNET -> Architecture.convNet(shape[0], shape[1], shape[2], c.embeddingSize(), c.widths());
            case MLP -> Architecture.mlp(shape, c.embeddingSize(), c.widths());
            default -> new Architecture(c.architecture(), shape, c.widths(), c.embeddingSize(), c.pooling(),
                    c.frozenBatchNorm());
        };
    }

    Architecture architecture() {
        return architecture;
    }

    /**
     * Trains; with {@code resume}, continues from the latest checkpoint in {@link #checkpoints}: the same weights,
     * schedule position and optimiser state, and the same batches the uninterrupted run would have drawn.
     *
     * @return the trained network (the caller closes it)
     */
    TrainedModel run(boolean resume, TrainingListener listener) {
        Model model = Model.newInstance("simforge", devices[0]);
        long start = System.nanoTime();
        try {
            model.setBlock(architecture.build());
            Path checkpoint = resume ? Checkpoint.latest(checkpoints) : null;
            int done = checkpoint == null ? 0 : resumedIteration(checkpoint);
            for (int i = 0; i < done; i++) {
                sampler.next(); // the batches the interrupted run already used
            }
            ResumableOptimizer optimizer = optimizer(config, model.getBlock(), done);
            if (checkpoint != null) {
                Checkpoint.loadOptimizer(checkpoint, optimizer);
            }
            Shape inputShape = architecture.batchInputShape(sampler.batchSize());
            loadStartingWeights(model, checkpoint, inputShape);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(loss).optOptimizer(optimizer)
                    // Several devices replicate the network; DataParallel gathers the embeddings for the loss.
                    .optDevices(devices).optInitializer(weightInitializer(), Parameter.Type.WEIGHT);
            try (Trainer trainer = model.newTrainer(tc); NDManager lossArrays = trainer.getManager().newSubManager()) {
                trainer.initialize(inputShape);
                // The loss's own arrays (proxies, the cross-batch memory) live for the training only, outside the model.
                loss.initialize(lossArrays, DataType.FLOAT32, classIds.length, architecture.embeddingSize(),
                        config.seed());
                ResumableOptimizer lossOptimizer = loss.parameters().isEmpty() ? null
                        : lossOptimizer(config, loss, done, lossArrays);
                if (checkpoint != null) {
                    Checkpoint.loadLossState(checkpoint, loss, lossOptimizer);
                }
                Progress p = loop(model, trainer, new Optimizers(optimizer, lossOptimizer), done, listener);
                return new TrainedModel(model, architecture, data.preprocessing(), p.losses,
                        (System.nanoTime() - start) / 1e9, p.last, p.bestIteration, p.bestRecall, p.lastValidation,
                        null);
            }
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** What the loop has seen so far. */
    private static final class Progress {
        final List<Float> losses = new ArrayList<>();
        int last;
        int bestIteration;
        double bestRecall = Double.NaN;
        int sinceBest;
        Map<String, Double> lastValidation;
    }

    /** The network's optimiser, and the loss's (null when the loss has no parameters). */
    private record Optimizers(ResumableOptimizer network, ResumableOptimizer loss) {}

    private Progress loop(Model model, Trainer trainer, Optimizers optimizers, int done, TrainingListener listener)
            throws IOException {
        int batch = sampler.batchSize();
        int itemSize = Arrays.stream(data.items().inputShape()).reduce(1, (a, b) -> a * b);
        BatchLoader loader = new BatchLoader(data.items(), config, itemSize);
        Shape inputShape = architecture.batchInputShape(batch);
        float[] pixels = new float[batch * itemSize];
        int[] labels = new int[batch];
        int[] ids = new int[batch];
        // One native input buffer for the whole run: DJL wraps a direct buffer without copying, while arrays created
        // from heap data get a fresh direct copy each step whose native memory waits for a garbage collection, so
        // resident memory would climb by a batch per step until the heap next fills.
        ByteBuffer inputBytes = ByteBuffer.allocateDirect(batch * itemSize * Float.BYTES).order(ByteOrder.nativeOrder());
        ByteBuffer labelBytes = ByteBuffer.allocateDirect(batch * Integer.BYTES).order(ByteOrder.nativeOrder());
        ByteBuffer idBytes = ByteBuffer.allocateDirect(batch * Integer.BYTES).order(ByteOrder.nativeOrder());
        Progress p = new Progress();
        p.last = done;
        if (data.validation() != null && done == 0) {
            validated(model, 0, p, listener);
        }
        // The next batch is decoded while the current step runs (for image files; in-memory data is filled in place).
        // Batches are drawn in order, so the run is the same either way.
        CompletableFuture<Void> pending = done < config.iterations() ? loader.start(done + 1, sampler.next(), pixels,
                labels, ids) : null;
        for (int it = done + 1; it <= config.iterations(); it++) {
            p.last = it;
            BatchLoader.join(pending);
            inputBytes.clear();
            inputBytes.asFloatBuffer().put(pixels);
            labelBytes.clear();
            for (int b = 0; b < batch; b++) {
                labelBytes.putInt(b * Integer.BYTES, Arrays.binarySearch(classIds, labels[b])); // class index
            }
            idBytes.clear();
            idBytes.asIntBuffer().put(ids);
            pending = it < config.iterations() ? loader.start(it + 1, sampler.next(), pixels, labels, ids) : null;
            float value = step(model, trainer, optimizers.loss(), inputBytes, labelBytes, idBytes, inputShape, it);
            p.losses.add(value);
            if (checkpoints != null && (it == config.iterations()
                    || (config.checkpointEvery() > 0 && it % config.checkpointEvery() == 0))) {
                Checkpoint.save(checkpoints, model.getBlock(), optimizers.network(), loss, optimizers.loss(), it, config);
            }
            listener.onIteration(it, config.iterations(), value);
            if (data.validation() != null && (it % data.validation().every() == 0 || it == config.iterations())
                    && !validated(model, it, p, listener)) {
                if (checkpoints != null && it != config.iterations()) {
                    Checkpoint.save(checkpoints, model.getBlock(), optimizers.network(), loss, optimizers.loss(), it, config);
                }
                break; // no better Recall@1 for earlyStopPatience validations in a row
            }
        }
        BatchLoader.join(pending); // an early stop leaves a batch in flight
        if (!loader.unreadable().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, loader.unreadable().size() + " unreadable image(s) were skipped during "
                    + "training (each named in a warning above)");
        }
        return p;
    }

    /**
     * One optimiser step of the network and of the loss's own parameters (with {@code lossOptimizer}); returns the
     * batch's loss. Labels arrive as class indices.
     */
    private float step(Model model, Trainer trainer, ResumableOptimizer lossOptimizer, ByteBuffer inputBytes,
            ByteBuffer labelBytes, ByteBuffer idBytes, Shape inputShape, int it) {
        float value;
        try (NDManager step = trainer.getManager().newSubManager()) {
            loss.beginStep(step);
            NDArray x = step.create(inputBytes, inputShape, DataType.FLOAT32);
            NDArray y = step.create(labelBytes, new Shape(inputShape.get(0)), DataType.INT32);
            NDArray ids = step.create(idBytes, new Shape(inputShape.get(0)), DataType.INT32);
            EmbeddingBatch batch;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray embeddings = DataParallel.forward(slice -> trainer.forward(new NDList(slice)).singletonOrThrow(),
                        x, devices);
                // Mining drops NaN similarities (every comparison is false), which would hide a diverged network
                // behind a loss of 0: check the embeddings themselves.
                if (embeddings.isNaN().any().getBoolean()) {
                    throw new TrainingDivergedException(it, "the embeddings contain NaN");
                }
                batch = EmbeddingBatch.of(embeddings, y, ids);
                NDArray l = loss.compute(batch);
                value = l.getFloat();
                if (!Float.isFinite(value)) {
                    throw new TrainingDivergedException(it, "the loss is " + value);
                }
                gc.backward(l);
            }
            if (config.gradientClip() > 0 || config.gradientClipNorm() > 0) {
                clip(model.getBlock());
            }
            trainer.step();
            if (lossOptimizer != null) {
                for (Map.Entry<String, NDArray> p : loss.parameters().entrySet()) {
                    NDArray gradient = p.getValue().getGradient();
                    lossOptimizer.update(p.getKey(), p.getValue(), gradient);
                    gradient.set(new NDIndex(":"), 0); // autograd adds to it; nothing else clears it
                }
            }
            loss.endStep(batch, it);
        }
        return value;
    }

    /**
     * Validates, keeps the best weights, and says whether to go on (false: early stop, no better Recall@1 in
     * {@code earlyStopPatience} validations in a row).
     */
    private boolean validated(Model model, int it, Progress p, TrainingListener listener) throws IOException {
        Validation v = data.validation();
        float[] e = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), v.inputs(), architecture.inputShape(), 256);
        Map<String, Double> metrics = RetrievalMetrics.evaluate(e, architecture.embeddingSize(), v.labels(),
                1, 2, 4, 8).toMap();
        p.lastValidation = metrics;
        listener.onValidation(it, metrics);
        if (it == 0) {
            return true; // the starting point is not a candidate for the best weights
        }
        double r1 = metrics.get("recall@1");
        if (Double.isNaN(p.bestRecall) || r1 > p.bestRecall) {
            p.bestRecall = r1;
            p.bestIteration = it;
            p.sinceBest = 0;
            if (checkpoints != null) {
                Checkpoint.saveBest(checkpoints, model.getBlock(), it, config);
            }
            return true;
        }
        return config.earlyStopPatience() == 0 || ++p.sinceBest < config.earlyStopPatience();
    }

    private int resumedIteration(Path checkpoint) throws IOException {
        Checkpoint.State state = Checkpoint.readState(checkpoint);
        if (!state.architecture().equals(config.architecture().toString())) {
            throw new IllegalArgumentException(checkpoint + " holds a " + state.architecture() + ", but the "
                    + "configuration trains a " + config.architecture());
        }
        return state.iteration();
    }

    /**
     * Weights that exist before the trainer initialises the block are kept: the checkpoint's when resuming, else
     * {@code initFrom}'s (a saved model of the same architecture, or an ONNX file matched layer by layer).
     */
    private void loadStartingWeights(Model model, Path checkpoint, Shape inputShape) throws IOException {
        Path saved = checkpoint;
        Path onnx = null;
        if (checkpoint == null && config.initFrom() != null) {
            Path source = Path.of(config.initFrom());
            if (!Files.exists(source)) {
                throw new IllegalArgumentException("initFrom " + source + " does not exist: give a saved model folder "
                        + "(<run>/model) or an ONNX file");
            }
            if (Files.isRegularFile(source)) {
                onnx = source;
            } else {
                Architecture theirs = SavedModel.readDescription(source).architecture();
                if (!theirs.equals(architecture)) {
                    throw new IllegalArgumentException("initFrom " + source + " holds " + theirs + ", but this run "
                            + "trains " + architecture + "; start from a model of the same architecture");
                }
                saved = source;
            }
        }
        if (saved == null && onnx == null) {
            return;
        }
        model.getBlock().setInitializer(weightInitializer(), Parameter.Type.WEIGHT);
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape);
        if (onnx != null) {
            OnnxWeightImport.Report report = OnnxWeightImport.load(onnx, model.getBlock());
            LOG.log(System.Logger.Level.INFO, report.summary());
            if (report.batchNormFolded() && !config.frozenBatchNorm()) {
                LOG.log(System.Logger.Level.WARNING, onnx + " has BatchNorm folded into its convolutions, and this run "
                        + "trains BatchNorm: batch statistics will renormalise the imported network from the first "
                        + "step. Train with --frozen-batchnorm (the MS paper's recipe does), or export the file with "
                        + "BatchNorm kept (tools/torchvision_to_onnx.py without --fold-batchnorm).");
            }
        } else {
            Checkpoint.loadWeights(saved, model.getBlock(), model.getNDManager());
        }
    }

    /** He initialisation, which suits ReLU networks; used for every weight. */
    static ai.djl.training.initializer.XavierInitializer weightInitializer() {
        return new ai.djl.training.initializer.XavierInitializer(
                ai.djl.training.initializer.XavierInitializer.RandomType.GAUSSIAN,
                ai.djl.training.initializer.XavierInitializer.FactorType.IN, 2);
    }

    /** The configured gradient clipping, in place, between the backward pass and the optimiser step. */
    private void clip(Block block) {
        List<NDArray> gradients = GradientClipping.of(block);
        try {
            if (config.gradientClip() > 0) {
                GradientClipping.values(gradients, config.gradientClip());
            }
            if (config.gradientClipNorm() > 0) {
                GradientClipping.norm(gradients, config.gradientClipNorm());
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
        // No optClipGrad: DJL clips only from above; GradientClipping does it before each step.
        return ResumableOptimizer.builder(kind(c), new LearningRateSchedule(c, headParameterIds(block)), beginUpdate)
                .optNames(ResumableOptimizer.names(block))
                .optMomentum(c.optimizer() == TrainConfig.Optimizer.SGD ? c.momentum() : 0)
                .optWeightDecays(c.weightDecay()).build();
    }

    /**
     * The optimiser of the loss's own parameters: the network's kind, schedule and weight decay, at
     * {@code lossLearningRateMultiplier} times its learning rate; its buffers live on {@code manager}.
     */
    static ResumableOptimizer lossOptimizer(TrainConfig c, MetricLoss loss, int beginUpdate, NDManager manager) {
        LearningRateSchedule schedule = new LearningRateSchedule(c, java.util.Set.of());
        float multiplier = c.lossLearningRateMultiplier();
        Map<String, String> names = new java.util.HashMap<>();
        loss.parameters().keySet().forEach(name -> names.put(name, name));
        return ResumableOptimizer.builder(kind(c), (id, update) -> schedule.at(update) * multiplier, beginUpdate)
                .optNames(names).optStateManager(manager)
                .optMomentum(c.optimizer() == TrainConfig.Optimizer.SGD ? c.momentum() : 0)
                .optWeightDecays(c.weightDecay()).build();
    }

    private static ResumableOptimizer.Kind kind(TrainConfig c) {
        return switch (c.optimizer()) {
            case SGD -> ResumableOptimizer.Kind.SGD;
            case ADAMW -> ResumableOptimizer.Kind.ADAMW;
            case ADAM -> ResumableOptimizer.Kind.ADAM;
        };
    }
}
