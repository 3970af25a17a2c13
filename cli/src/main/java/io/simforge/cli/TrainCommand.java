package io.simforge.cli;

import io.simforge.core.data.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.train.EmbeddingTrainer;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains a model and saves it in a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train an embedding model on IDX image data and save it under <run>/model.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--classes", defaultValue = "0-4", description = "Training classes, e.g. 0-4 or 0,2,5 (default 0-4).")
    String classes;

    @Mixin
    LossOptions lossOptions;

    @Option(names = "--config", description = "JSON file with training settings (see config.json of any run).")
    Path configFile;

    @Option(names = "--iterations", description = "Overrides the configuration's iterations.")
    Integer iterations;

    @Option(names = "--batch-size", description = "Overrides the batch size; must be P×K.")
    Integer batchSize;

    @Option(names = "--samples-per-class", description = "Overrides K, the samples per class in a batch.")
    Integer samplesPerClass;

    @Option(names = "--lr", description = "Overrides the learning rate.")
    Float learningRate;

    @Option(names = "--embedding-size", description = "Overrides the embedding size.")
    Integer embeddingSize;

    @Option(names = "--architecture", description = "Overrides the architecture: convnet, mlp, resnet18, resnet34 or "
            + "resnet50.")
    String architecture;

    @Option(names = "--widths", split = ",", description = "Overrides the widths: channels per stage (convnet), hidden "
            + "units (mlp), or the first stage's width (ResNets; 64 is standard, and the default for them).")
    int[] widths;

    @Option(names = "--pooling", description = "ResNets: global avg (default) or max pooling.")
    String pooling;

    @Option(names = "--frozen-batchnorm", description = "ResNets: keep BatchNorm's running statistics fixed.")
    boolean frozenBatchNorm;

    @Option(names = "--seed", description = "Overrides the random seed.")
    Long seed;

    @Option(names = {"-o", "--out"}, description = "Run folder (default runs/train-<timestamp>).")
    Path out;

    @Option(names = "--validation-classes", description = "Watch Recall@1 and MAP@R on these classes of the same data "
            + "while training (e.g. 5-9); logged to train-log.jsonl, never used to pick a model.")
    String validationClasses;

    @Option(names = "--validation-per-class", defaultValue = "200",
            description = "Images per validation class (the first N; default 200).")
    int validationPerClass;

    @Option(names = "--validate-every", defaultValue = "100", description = "Validation interval in iterations (default 100).")
    int validateEvery;

    @Override
    public Integer call() throws Exception {
        TrainConfig c = configFile != null
                ? TrainConfig.fromJson(java.nio.file.Files.readString(configFile), configFile.toString()) : new TrainConfig();
        if (iterations != null) {
            c.iterations = iterations;
        }
        if (batchSize != null) {
            c.batchSize = batchSize;
        }
        if (samplesPerClass != null) {
            c.samplesPerClass = samplesPerClass;
        }
        if (learningRate != null) {
            c.learningRate = learningRate;
        }
        if (embeddingSize != null) {
            c.embeddingSize = embeddingSize;
        }
        if (architecture != null) {
            c.architecture = architecture;
            if (architecture.startsWith("resnet") && widths == null && c.widths.length != 1) {
                c.widths = new int[] {64}; // the standard network unless asked otherwise
            }
        }
        if (widths != null) {
            c.widths = widths;
        }
        if (pooling != null) {
            c.pooling = pooling;
        }
        if (frozenBatchNorm) {
            c.frozenBatchNorm = true;
        }
        if (seed != null) {
            c.seed = seed;
        }
        lossOptions.applyTo(c);
        c.validate();
        ImageDataset all = data.load();
        ImageDataset train = all.withClasses(DataOptions.parseClasses(classes));
        EmbeddingTrainer.Validation validation = null;
        if (validationClasses != null) {
            java.util.List<Integer> v = DataOptions.parseClasses(validationClasses);
            if (v.stream().anyMatch(train.classes()::contains)) {
                throw new IllegalArgumentException("--validation-classes " + validationClasses + " overlap the training "
                        + "classes " + classes + "; choose classes the model does not train on");
            }
            validation = new EmbeddingTrainer.Validation(all.withClasses(v).firstPerClass(validationPerClass),
                    validateEvery);
        }
        Preprocessing pre = new Preprocessing(train.channels(), train.height(), train.width(), 1f / 255f,
                Preprocessing.fashionMnist().mean(), Preprocessing.fashionMnist().std());
        if (train.channels() != 1) {
            throw new IllegalArgumentException("only grayscale IDX data is supported by `simforge train` so far");
        }
        Path run = Runs.create(out, "train");
        String name = ("bundled".equals(data.data) ? "Fashion-MNIST (bundled)" : data.data) + " " + data.split
                + " classes " + classes;
        try (TrainedModel model = new Workflow(System.out).trainAndSave(c, train, pre, name, run, validation)) {
            System.out.println("Saved " + run.resolve("model") + "; export it with: simforge export "
                    + run.resolve("model") + " -o " + run.resolve("model.onnx"));
        }
        return 0;
    }
}
