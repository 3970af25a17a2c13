package io.simforge.pipeline;

import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.run.RunFolder;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.eval.Baseline;
import io.simforge.eval.Evaluation;
import io.simforge.eval.EvaluationResult;
import io.simforge.export.ModelExport;
import io.simforge.infer.Embedder;
import io.simforge.train.LossKind;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingInput;
import io.simforge.train.TrainingListener;
import io.simforge.train.TrainingRun;
import io.simforge.train.Validation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main job on the bundled data, and the model of how the library's steps compose: train a ConvNet with the
 * Multi-Similarity loss on Fashion-MNIST classes 0–4 ({@link TrainingRun}), export it to ONNX and check it against
 * DJL ({@link ModelExport}), evaluate the never-seen classes 5–9 with ONNX Runtime next to two baselines
 * ({@link Evaluation}), and write the HTML report ({@link RunReport}). {@link #run()} is those four calls.
 */
public final class Quickstart {
    public static final String TRAIN_CLASSES = "0-4";
    public static final String TEST_CLASSES = "5-9";
    public static final int VALIDATE_EVERY = 100;
    public static final int VALIDATION_PER_CLASS = 200;
    /** The protocol, as {@code metrics.json} states it. */
    public static final String PROTOCOL = "train on Fashion-MNIST t10k classes 0-4, evaluate on classes 5-9 (never "
            + "seen), each item a query against all others";

    /** What a quickstart produced; the trained network itself is closed. */
    public record Result(RunFolder folder, TrainingRun.Plan plan, double trainSeconds, ModelExport.Result export,
            EvaluationResult evaluation, Path report) {}

    private final Builder b;

    private Quickstart(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Trains, exports, evaluates and reports, in {@code folder}. */
    public Result run() throws IOException {
        RunFolder run = b.folder;
        TrainConfig config = TrainConfig.builder().optIterations(b.iterations).optSeed(b.seed).optLoss(b.loss)
                .optEmbeddingExpansion(b.ee).optEeSyntheticPoints(b.eePoints).optXbmSize(b.xbmSize)
                .optXbmWarmupIterations(b.xbmWarmup).build();
        TrainingInput input = TrainingInput.of(DataSource.bundled()).withClasses(TRAIN_CLASSES)
                .withValidation(TEST_CLASSES, VALIDATION_PER_CLASS, VALIDATE_EVERY);
        ImageDataset test = FashionMnist.bundledTestSplit().withClasses(List.of(5, 6, 7, 8, 9));
        TrainingRun.Builder training = TrainingRun.builder().setConfig(config).optRunFolder(run).optListener(b.listener);
        training = b.holdout == 0 ? training.setInput(input) : training.setData(heldOutTraining(input));
        TrainingRun.Plan[] plan = new TrainingRun.Plan[1];
        try (TrainedModel model = training.optListener(started(plan)).build().run()) {
            ModelExport.Result export = ModelExport.export(model, run.onnxModel(),
                    test.firstPerClass(50).inputs(model.preprocessing()), options -> options);
            ModelExport.SUMMARY.write(run.exportSummary(), export.summary());
            EvaluationResult result = Evaluation.builder().setModel(run.onnxModel())
                    .setData(DataSource.bundled(), TEST_CLASSES).optSeed(b.seed).optProtocol(PROTOCOL)
                    .optBaseline("untrained network", (x, n) -> io.simforge.train.UntrainedNetwork.embed(
                            model.architecture(), b.seed, x))
                    .optBaseline("raw pixels", Baseline.rawInputs()).optOutput(run).build().run();
            if (b.holdout > 0) {
                result = result.with("held_out_seen_classes", heldOutRecall(model));
                result.write(run.metrics());
            }
            Path report = RunReport.write(run, null, b.seed);
            return new Result(run, plan[0], model.seconds(), export, result, report);
        }
    }

    private TrainingListener started(TrainingRun.Plan[] plan) {
        TrainingListener user = b.listener;
        return new TrainingListener() {
            @Override
            public void onStart(TrainingRun.Plan p) {
                plan[0] = p;
                user.onStart(p);
            }

            @Override
            public void onIteration(int iteration, int total, float loss) {
                user.onIteration(iteration, total, loss);
            }

            @Override
            public void onValidation(int iteration, Map<String, Double> metrics) {
                user.onValidation(iteration, metrics);
            }
        };
    }

    /** With a hold-out: the first 1000 − h images of each training class, in memory. */
    private TrainingData heldOutTraining(TrainingInput input) {
        TrainingData all = input.open(TrainConfig.defaults());
        ImageDataset seen = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4));
        ImageDataset train = seen.firstPerClass(1000 - b.holdout);
        return TrainingData.of(train, all.preprocessing(), all.description() + ", first " + (1000 - b.holdout)
                + " images per class").withValidation(all.validation());
    }

    /** Recall@K on the held-out images of the training classes: the learned model (ONNX) and the untrained network. */
    private Map<String, Object> heldOutRecall(TrainedModel model) {
        ImageDataset held = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).lastPerClass(b.holdout);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", held.size());
        try (Embedder embedder = Embedder.builder().setModelPath(b.folder.onnxModel()).build()) {
            m.put("learned", recall(RetrievalMetrics.recallAtK(embedder.embed(held), embedder.embeddingSize(),
                    held.labels(), Evaluation.DEFAULT_KS)));
        }
        float[] untrained = io.simforge.train.UntrainedNetwork.embed(model.architecture(), b.seed,
                held.inputs(model.preprocessing()));
        m.put("untrained_network_baseline", recall(RetrievalMetrics.recallAtK(untrained,
                model.architecture().embeddingSize(), held.labels(), Evaluation.DEFAULT_KS)));
        return m;
    }

    private static Map<String, Double> recall(Map<Integer, Double> byK) {
        Map<String, Double> m = new LinkedHashMap<>();
        byK.forEach((k, v) -> m.put("recall@" + k, v));
        return m;
    }

    /** Every setting is optional: the defaults are the quickstart's (600 iterations, seed 42, MS loss). */
    public static final class Builder {
        private int iterations = 600;
        private long seed = 42;
        private LossKind loss = LossKind.MS;
        private boolean ee;
        private int eePoints = 2;
        private int xbmSize;
        private int xbmWarmup;
        private int holdout;
        private RunFolder folder;
        private TrainingListener listener = TrainingListener.NONE;

        private Builder() {}

        public Builder optIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optLoss(LossKind loss) {
            this.loss = loss;
            return this;
        }

        /** Wraps the loss in Embedding Expansion with {@code points} synthetic points per pair. */
        public Builder optEmbeddingExpansion(boolean ee, int points) {
            this.ee = ee;
            this.eePoints = points;
            return this;
        }

        /**
         * Adds a cross-batch memory of {@code size} earlier embeddings (0: none) that starts filling after
         * {@code warmupIterations}.
         */
        public Builder optCrossBatchMemory(int size, int warmupIterations) {
            this.xbmSize = size;
            this.xbmWarmup = warmupIterations;
            return this;
        }

        /**
         * Keeps the last {@code images} of each training class out of training and also reports Recall@K on them
         * (seen classes, unseen images).
         */
        public Builder optHoldout(int images) {
            this.holdout = images;
            return this;
        }

        /** Where the run's files go (default {@code runs/quickstart-<timestamp>}). */
        public Builder optRunFolder(RunFolder folder) {
            this.folder = folder;
            return this;
        }

        public Builder optListener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        public Quickstart build() {
            if (holdout < 0 || holdout >= 1000) {
                throw new IllegalArgumentException("the hold-out must be between 0 and 999 images per class, got "
                        + holdout);
            }
            if (folder == null) {
                folder = RunFolder.at(null, "quickstart");
            }
            return new Quickstart(this);
        }
    }
}
