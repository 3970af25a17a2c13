package io.simforge.cli;

import io.simforge.core.device.DeviceSpec;
import io.simforge.core.run.RunFolder;
import io.simforge.datasets.DataSource;
import io.simforge.models.Architecture;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import io.simforge.train.TrainingInput;
import io.simforge.train.TrainingListener;
import io.simforge.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains a model into a run folder ({@link TrainingRun}). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an embedding model and save it under <run>/model, with its settings, training log and "
                + "checkpoints.",
            "Data: IDX images (--data, default the bundled Fashion-MNIST), image files (--images, --list, --layout) or "
                + "feature vectors (--features). Batches are P classes × K images."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--classes", description = "With --data: the training classes, e.g. 0-4 or 0,2,5 (default 0-4).")
    String classes;

    @Mixin
    LossOptions lossOptions;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON training settings (configs/, or config.json "
            + "of any run).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides any setting, e.g. --set optimizer=sgd "
            + "--set milestones=[1000,2000] (see config.json of a run for every key).")
    List<String> overrides = new ArrayList<>();

    @Option(converter = Ranges.Positive.class, names = "--iterations", description = "Training iterations.")
    Integer iterations;

    @Option(converter = Ranges.Positive.class, names = {"-P", "--classes-per-batch"}, description = "P: classes in a batch.")
    Integer classesPerBatch;

    @Option(converter = Ranges.Positive.class, names = {"-K", "--samples-per-class"}, description = "K: images of each class in a batch.")
    Integer samplesPerClass;

    @Option(converter = Ranges.Positive.class, names = "--batch-size", hidden = true, description = "Deprecated: P×K; give -P instead.")
    Integer legacyBatchSize;

    @Option(converter = Ranges.PositiveNumber.class, names = "--lr", description = "Learning rate.")
    Float learningRate;

    @Option(converter = Ranges.Positive.class, names = "--embedding-size", description = "Embedding size.")
    Integer embeddingSize;

    @Option(names = "--architecture", converter = Kinds.class, description = "Network: " + Architecture.NAMES + ".")
    Architecture.Kind architecture;

    @Option(converter = Ranges.Positive.class, names = "--widths", split = ",", description = "Channels per stage (convnet), hidden units (mlp), or the "
            + "first stage's width (ResNets; 64 is standard, and their default).")
    int[] widths;

    @Option(names = "--pooling", description = "ResNets: global avg (default) or max pooling.")
    String pooling;

    @Option(names = "--frozen-batchnorm", description = "ResNets: keep BatchNorm's running statistics fixed.")
    boolean frozenBatchNorm;

    @Option(names = "--init", paramLabel = "MODEL_DIR|FILE.onnx", description = "Start from these weights: a saved "
            + "simforge model of the same architecture (<run>/model), or an ONNX file of the same network (a torchvision "
            + "ResNet from tools/torchvision_to_onnx.py, or a simforge export).")
    Path init;

    @Option(converter = Ranges.Positive.class, names = "--early-stop", paramLabel = "N", description = "With validation: stop after N validations in a "
            + "row without a better Recall@1.")
    Integer earlyStop;

    @Option(names = "--device", converter = Devices.class, description = "Where to train: " + DeviceSpec.SPELLINGS
            + " (several GPUs: data-parallel, the loss on the whole batch). Without a usable GPU, the CPU after one "
            + "warning. Default cpu.")
    DeviceSpec device;

    @Option(names = "--seed", description = "Random seed.")
    Long seed;

    @Option(names = {"-o", "--out"}, description = "Run folder (default runs/train-<timestamp>).")
    Path out;

    @Option(names = "--validation-classes", description = "Watch Recall@1 and MAP@R on these held-out classes while "
            + "training (--data or --features), e.g. 5-9; the best Recall@1 is kept as model-best.")
    String validationClasses;

    @Option(names = "--validation-images", paramLabel = "DIR", description = "With --images or --list: watch a folder "
            + "of images of other classes (root/<class>/<image>).")
    Path validationImages;

    @Option(converter = Ranges.Positive.class, names = "--validation-per-class", description = "Images per validation class (default 200); with --layout "
            + "it turns validation on, on the layout's evaluation split.")
    Integer validationPerClass;

    @Option(converter = Ranges.Positive.class, names = "--validate-every", defaultValue = "100", description = "Validation interval in iterations "
            + "(default 100).")
    int validateEvery;

    @Option(converter = Ranges.Positive.class, names = "--image-size", defaultValue = "" + TrainingInput.DEFAULT_IMAGE_SIZE, description = "Image files: "
            + "the model's input side in pixels (default 64; 224 for the papers' protocol).")
    int imageSize;

    @Option(names = "--no-flip", description = "Image files: do not mirror crops (for data where a mirror image is "
            + "another class, such as emoji).")
    boolean noFlip;

    @Option(converter = Ranges.Fraction.class, names = "--color-jitter", paramLabel = "J", description = "Image files: jitter brightness, contrast and "
            + "saturation by factors in [1-J, 1+J] (default 0).")
    Float colorJitter;

    @Option(names = "--no-centre-crop", description = "Image files: evaluate (and export) with a straight resize to "
            + "--image-size instead of resize-then-centre-crop, for images that fill their frame.")
    boolean noCentreCrop;

    @Option(names = "--resume", paramLabel = "RUN", description = "Continue an interrupted run from its latest "
            + "checkpoint, with the settings and data it was started with (--iterations extends it).")
    Path resume;

    @Override
    public Integer call() throws Exception {
        Devices.note(device);
        TrainingRun.Builder run;
        if (resume != null) {
            run = TrainingRun.resume(RunFolder.existing(resume));
            if (iterations != null) {
                run.setConfig(run.build().config().toBuilder().optIterations(iterations).build());
            }
            System.out.println("Resuming " + resume + " from its latest checkpoint (weights, optimiser state, schedule "
                    + "and sampler position)");
        } else {
            run = TrainingRun.builder().setConfig(config()).setInput(input()).optRunFolder(RunFolder.at(out, "train"));
        }
        ProgressPrinter progress = new ProgressPrinter();
        try (TrainedModel model = run.optListener(progress).build().run()) {
            progress.close();
            printSummary(model, progress.plan);
        } finally {
            progress.close();
        }
        return 0;
    }

    /** The settings: a file or the defaults, then the flags, then {@code --set}. */
    private TrainConfig config() throws Exception {
        TrainConfig base = configFile != null ? TrainConfig.fromJson(Files.readString(configFile), configFile.toString())
                : TrainConfig.defaults();
        TrainConfig.Builder c = base.toBuilder();
        if (data.features != null && architecture == null && configFile == null) {
            c.optArchitecture(Architecture.Kind.MLP).optWidths(512); // vectors: the only architecture that takes them
        }
        if (architecture != null) {
            c.optArchitecture(architecture);
        }
        if (widths != null) {
            c.optWidths(widths);
        }
        if (pooling != null) {
            c.optPooling(Architecture.Pooling.parse(pooling));
        }
        if (frozenBatchNorm) {
            c.optFrozenBatchNorm(true);
        }
        if (iterations != null) {
            c.optIterations(iterations);
        }
        int k = samplesPerClass != null ? samplesPerClass : base.samplesPerClass();
        if (samplesPerClass != null) {
            c.optSamplesPerClass(samplesPerClass);
        }
        if (legacyBatchSize != null) {
            System.err.println("simforge: note: --batch-size in train is P×K; give P with -P (--classes-per-batch)");
            if (classesPerBatch == null) {
                if (k <= 0 || legacyBatchSize % k != 0) {
                    throw new IllegalArgumentException("batchSize " + legacyBatchSize + " is not P×K for K = " + k
                            + " samples per class: use a multiple of " + k + ", or give P with -P");
                }
                c.optClassesPerBatch(legacyBatchSize / k);
            }
        }
        if (classesPerBatch != null) {
            c.optClassesPerBatch(classesPerBatch);
        }
        if (learningRate != null) {
            c.optLearningRate(learningRate);
        }
        if (embeddingSize != null) {
            c.optEmbeddingSize(embeddingSize);
        }
        if (device != null) {
            c.optDevice(device);
        }
        if (init != null) {
            c.optInitFrom(init.toString());
        }
        if (earlyStop != null) {
            c.optEarlyStopPatience(earlyStop);
        }
        if (seed != null) {
            c.optSeed(seed);
        }
        if (noFlip) {
            c.optHorizontalFlip(false);
        }
        if (colorJitter != null) {
            c.optColorJitter(colorJitter);
        }
        lossOptions.applyTo(c);
        return c.build().withSettings(overrides);
    }

    /** The data and what to watch, from the flags. */
    private TrainingInput input() {
        DataSource source = data.source();
        boolean idx = source.kind() == DataSource.Kind.IDX;
        if (classes != null && !idx) {
            throw new IllegalArgumentException("--classes chooses classes of IDX data (--data); image files and feature "
                    + "vectors train on every class");
        }
        if (noCentreCrop && !source.kind().isImageFiles()) {
            throw new IllegalArgumentException("--no-centre-crop is for image files (--images, --list, --layout)");
        }
        TrainingInput in = TrainingInput.of(source).withImageSize(imageSize).withCentreCrop(!noCentreCrop)
                .withClasses(idx ? (classes != null ? classes : "0-4") : null);
        int perClass = validationPerClass != null ? validationPerClass : 200;
        if (validationClasses != null) {
            if (source.kind().isImageFiles()) {
                throw new IllegalArgumentException("--validation-classes holds out classes of IDX data or feature "
                        + "vectors; with image files give --validation-images (a folder of other classes)");
            }
            in = in.withValidation(validationClasses, perClass, validateEvery);
        } else if (validationImages != null) {
            in = in.withValidation(DataSource.imageFolder(validationImages), perClass, validateEvery);
        } else if (source.kind() == DataSource.Kind.LAYOUT && validationPerClass != null) {
            in = in.withValidation((String) null, perClass, validateEvery);
        }
        return in;
    }

    private static void printSummary(TrainedModel model, TrainingRun.Plan plan) {
        System.out.printf(Locale.ROOT, "Trained in %.1f s (%.1f images/s)%n", model.seconds(),
                model.losses().size() * (double) plan.classesPerBatch() * plan.samplesPerClass() / model.seconds());
        System.out.println("Summary:");
        System.out.printf(Locale.ROOT, "  iterations   %d of %d%s%n", model.lastIteration(), plan.iterations(),
                model.lastIteration() < plan.iterations() ? " (stopped early: no better validation Recall@1)" : "");
        System.out.printf(Locale.ROOT, "  loss         %.4f (mean of the last %d iterations)%n", model.recentLoss(50),
                Math.min(50, model.losses().size()));
        RunFolder run = plan.folder();
        if (model.bestIteration() > 0) {
            System.out.printf(Locale.ROOT, "  validation   best Recall@1 %.4f at iteration %d%n", model.bestRecallAt1(),
                    model.bestIteration());
            if (model.bestIteration() != model.lastIteration()) {
                System.out.println("  best model   " + run.bestModel() + " (the last one is in " + run.model() + ")");
            }
        }
        System.out.println("  files        " + run + ": model/, config.json, train-input.json, train-log.jsonl, "
                + "training.json, checkpoint/");
        System.out.println("Export it with: simforge export " + run.model() + " -o " + run.onnxModel());
    }

    /** The plan line, then a progress bar with the loss and the last validation. */
    static final class ProgressPrinter implements TrainingListener, AutoCloseable {
        TrainingRun.Plan plan;
        private ProgressBar bar;
        private String last = "";

        @Override
        public void onStart(TrainingRun.Plan p) {
            plan = p;
            System.out.println(p.describe() + (p.resumedAt() > 0 ? " (from iteration " + p.resumedAt() + ")" : ""));
            bar = new ProgressBar(System.out, "train", p.iterations(), "it");
            if (p.resumedAt() > 0) {
                bar.update(p.resumedAt(), "resumed");
            }
        }

        @Override
        public void onIteration(int iteration, int total, float loss) {
            bar.update(iteration, String.format(Locale.ROOT, "loss %.4f", loss) + last);
        }

        @Override
        public void onValidation(int iteration, Map<String, Double> metrics) {
            last = String.format(Locale.ROOT, ", val R@1 %.3f", metrics.get("recall@1"));
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    static final class Kinds implements picocli.CommandLine.ITypeConverter<Architecture.Kind> {
        @Override
        public Architecture.Kind convert(String value) {
            return Architecture.Kind.parse(value);
        }
    }
}
