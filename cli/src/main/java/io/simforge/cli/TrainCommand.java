package io.simforge.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Json;
import io.simforge.core.run.RunFiles;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--init", paramLabel = "MODEL_DIR|FILE.onnx", description = "Start from these weights instead of "
            + "random ones: a saved simforge model of the same architecture (<run>/model), or an ONNX file of the same "
            + "network (a torchvision ResNet from tools/torchvision_to_onnx.py, or a simforge export).")
    Path init;

    @Option(names = "--early-stop", paramLabel = "N", description = "With validation: stop after N validations in a "
            + "row without a better Recall@1.")
    Integer earlyStop;

    @Option(names = "--device", description = "cpu (default), gpu, gpu:N, or several GPUs: gpu:0,1 or gpu:all "
            + "(data-parallel; the loss and its mining see the whole gathered batch). Without a usable GPU, training runs "
            + "on the CPU after one warning.")
    String device;

    @Option(names = "--seed", description = "Overrides the random seed.")
    Long seed;

    @Option(names = {"-o", "--out"}, description = "Run folder (default runs/train-<timestamp>).")
    Path out;

    @Option(names = "--validation-classes", description = "Watch Recall@1 and MAP@R on these classes of the same data "
            + "while training (e.g. 5-9); logged to train-log.jsonl, never used to pick a model.")
    String validationClasses;

    @Option(names = "--validation-per-class", description = "Images per validation class (the first N; default 200).")
    Integer validationPerClassOption;


    @Option(names = "--validate-every", defaultValue = "100", description = "Validation interval in iterations (default 100).")
    int validateEvery;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides any setting of the configuration, "
            + "e.g. --set optimizer=sgd --set milestones=[1000,2000] --set schedule=cosine (see config.json of a run "
            + "for every key).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "RUN", description = "Continue an interrupted run from its latest "
            + "checkpoint, with the settings and data it was started with.")
    Path resume;

    /** The data a run was started on, so that `--resume RUN` needs nothing else. */
    record Input(String data, String split, String classes, String validationClasses, int validationPerClass,
            int validateEvery, String images, String layout, String root, int imageSize, String validationImages,
            boolean validateLayout, String features, String featureLabels, String list) {}

    @Option(names = "--images", paramLabel = "DIR", description = "Train on a folder of images, root/<class>/<image> "
            + "(decoded, randomly resized-cropped and flipped as they are drawn), instead of IDX data.")
    Path images;

    @Option(names = "--list", paramLabel = "FILE", description = "Train on the images a list file names, one per line: "
            + "path, then a tab or comma and an integer label.")
    Path list;

    @Option(names = "--layout", paramLabel = "cub|cars|sop|inshop", description = "Train on the train split of a "
            + "benchmark layout under --root (see docs/datasets.md).")
    String layout;

    @Option(names = "--root", description = "With --layout: the dataset's folder.")
    Path root;

    @Option(names = "--features", paramLabel = "X.npy", description = "Train on feature vectors (n × d .npy) with "
            + "--labels, for non-image embeddings (an MLP; --validation-classes holds those classes out to watch).")
    Path features;

    @Option(names = "--labels", description = "With --features: one label per row (.npy or a text file).")
    Path featureLabels;

    @Option(names = "--validation-images", paramLabel = "DIR", description = "With --images: watch Recall@1 and MAP@R "
            + "on this folder (root/<class>/<image>, classes not trained on); with --layout the test split is used "
            + "when --validation-per-class is given. Up to --validation-per-class images per class.")
    Path validationImages;

    @Option(names = "--image-size", defaultValue = "64", description = "With --images or --layout: the model's input "
            + "side in pixels (default 64; 224 for the papers' protocol). RGB, ImageNet mean and std; evaluation "
            + "resizes the shorter side to size × 256/224 and takes the centre.")
    int imageSize;

    @Override
    public Integer call() throws Exception {
        if (resume != null) {
            RunFiles files = new RunFiles(resume);
            TrainConfig c = TrainConfig.fromJson(Files.readString(files.config()), files.config().toString());
            Input in = Json.read(resume.resolve("train-input.json"), Input.class);
            System.out.println("Resuming " + resume + " from " + io.simforge.train.Checkpoint.latest(resume).getFileName()
                    + " (weights, optimiser state, schedule and sampler position)");
            return train(c, in, resume, true);
        }
        TrainConfig c = configFile != null
                ? TrainConfig.fromJson(Files.readString(configFile), configFile.toString()) : new TrainConfig();
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
        if (device != null) {
            c.device = device;
        }
        if (init != null) {
            c.initFrom = init.toString();
        }
        if (earlyStop != null) {
            c.earlyStopPatience = earlyStop;
        }
        if (seed != null) {
            c.seed = seed;
        }
        lossOptions.applyTo(c);
        c = applyOverrides(c, overrides);
        c.validate();
        c.checkInitFrom(); // these are checked now, not after the run folder exists
        if (layout != null) {
            DataOptions.layout(layout, root);
        }
        Input in = new Input(data.data, data.split, classes, validationClasses,
                validationPerClassOption != null ? validationPerClassOption : 200, validateEvery,
                images == null ? null : images.toString(), layout, root == null ? null : root.toString(), imageSize,
                validationImages == null ? null : validationImages.toString(), layout != null && validationPerClassOption != null,
                features == null ? null : features.toString(), featureLabels == null ? null : featureLabels.toString(),
                list == null ? null : list.toString());
        if (features != null && architecture == null && configFile == null) {
            c.architecture = "mlp"; // vectors: the only architecture that takes them
            c.widths = widths != null ? widths : new int[] {512};
        }
        checkValidation(in);
        Path run = Runs.create(out, "train");
        Json.write(run.resolve("train-input.json"), in);
        return train(c, in, run, false);
    }

    /** Applies {@code key=value} overrides; values are JSON (numbers, booleans, arrays) or plain strings. */
    static TrainConfig applyOverrides(TrainConfig c, List<String> overrides) {
        if (overrides.isEmpty()) {
            return c;
        }
        JsonObject o = JsonParser.parseString(Json.toJson(c)).getAsJsonObject();
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set takes KEY=VALUE, got '" + kv + "'");
            }
            String value = kv.substring(eq + 1);
            JsonElement e;
            try {
                e = JsonParser.parseString(value);
                if (!e.isJsonPrimitive() && !e.isJsonArray()) {
                    e = new JsonPrimitive(value);
                }
            } catch (RuntimeException notJson) {
                e = new JsonPrimitive(value);
            }
            o.add(kv.substring(0, eq).trim(), e);
        }
        return TrainConfig.fromJson(o.toString(), "--set");
    }

    private static void checkValidation(Input in) {
        if (in.features() != null || in.images() != null || in.layout() != null || in.list() != null) {
            return; // --classes applies to IDX data only
        }
        if (in.validationClasses() != null && DataOptions.parseClasses(in.validationClasses()).stream()
                .anyMatch(DataOptions.parseClasses(in.classes())::contains)) {
            throw new IllegalArgumentException("--validation-classes " + in.validationClasses() + " overlap the training "
                    + "classes " + in.classes() + "; choose classes the model does not train on");
        }
    }

    private int train(TrainConfig c, Input in, Path run, boolean resuming) throws Exception {
        if (in.images() != null || in.layout() != null || in.list() != null) {
            return trainOnFiles(c, in, run, resuming);
        }
        if (in.features() != null) {
            return trainOnVectors(c, in, run, resuming);
        }
        ImageDataset all = DataOptions.load(in.data(), in.split());
        ImageDataset train = all.withClasses(DataOptions.parseClasses(in.classes()));
        Preprocessing pre = new Preprocessing(train.channels(), train.height(), train.width(), 1f / 255f,
                Preprocessing.fashionMnist().mean(), Preprocessing.fashionMnist().std());
        EmbeddingTrainer.Validation validation = in.validationClasses() == null ? null
                : EmbeddingTrainer.Validation.of(all.withClasses(DataOptions.parseClasses(in.validationClasses()))
                        .firstPerClass(in.validationPerClass()), pre, in.validateEvery());
        if (train.channels() != 1) {
            throw new IllegalArgumentException("only grayscale IDX data is supported by `simforge train` so far");
        }
        String name = ("bundled".equals(in.data()) ? "Fashion-MNIST (bundled)" : in.data()) + " " + in.split()
                + " classes " + in.classes();
        return finish(c, io.simforge.train.TrainingImages.of(train, pre), pre, name, run, validation, resuming);
    }

    /** Training on image files: a folder tree or a benchmark layout's train split, augmented as drawn. */
    private int trainOnFiles(TrainConfig c, Input in, Path run, boolean resuming) throws Exception {
        io.simforge.core.data.ImageList list = in.list() != null
                ? io.simforge.core.data.ImageList.fromListFile(Path.of(in.list()))
                : in.images() != null ? io.simforge.core.data.ImageList.fromFolder(Path.of(in.images()))
                : io.simforge.datasets.BenchmarkLayout.parse(in.layout()).read(Path.of(in.root()), "train");
        if (list.labels().length > 0 && list.labels()[0] < 0) {
            throw new IllegalArgumentException(list.name() + " has images without a class (outside class folders, or "
                    + "list lines without a label); training needs a class for every image");
        }
        int s = in.imageSize();
        Preprocessing pre = new Preprocessing(3, s, s, 1f / 255f, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, Math.round(s * 256f / 224f));
        var data = new io.simforge.train.ImageFileTrainingSet(list, pre, c.cropMinArea);
        io.simforge.core.data.ImageList held = in.validationImages() != null
                ? io.simforge.core.data.ImageList.fromFolder(Path.of(in.validationImages()))
                : in.validateLayout() ? DataOptions.layoutSplit(in.layout(), Path.of(in.root()), null) : null;
        EmbeddingTrainer.Validation validation = held == null ? null
                : imageValidation(held, pre, in.validationPerClass(), in.validateEvery());
        return finish(c, data, pre, list.name() + " (" + list.size() + " image files)", run, validation, resuming);
    }

    /** Training on feature vectors: all classes, except --validation-classes, which are held out and watched. */
    private int trainOnVectors(TrainConfig c, Input in, Path run, boolean resuming) throws Exception {
        if (in.featureLabels() == null) {
            throw new IllegalArgumentException("--features needs --labels (one label per row)");
        }
        io.simforge.core.io.Npy.FloatArray x = io.simforge.core.io.Npy.readFloats(Path.of(in.features()));
        int[] y = EvalCommand.readLabels(Path.of(in.featureLabels()), x.rows(), Path.of(in.features()));
        java.util.Set<Integer> held = in.validationClasses() == null ? java.util.Set.of()
                : java.util.Set.copyOf(DataOptions.parseClasses(in.validationClasses()));
        int dim = x.rowSize();
        java.util.List<Integer> trainRows = new ArrayList<>();
        java.util.List<Integer> heldRows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            (held.contains(y[i]) ? heldRows : trainRows).add(i);
        }
        EmbeddingTrainer.Validation validation = heldRows.size() < 2 ? null
                : new EmbeddingTrainer.Validation(rows(x.values(), dim, heldRows), heldRows.stream().mapToInt(i -> y[i])
                        .toArray(), in.validateEvery());
        var data = io.simforge.train.TrainingImages.vectors(rows(x.values(), dim, trainRows),
                dim, trainRows.stream().mapToInt(i -> y[i]).toArray());
        return finish(c, data, null, in.features() + " (" + trainRows.size() + " vectors of " + dim + ")", run,
                validation, resuming);
    }

    private static float[] rows(float[] values, int dim, java.util.List<Integer> rows) {
        float[] out = new float[rows.size() * dim];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(values, rows.get(r) * dim, out, r * dim, dim);
        }
        return out;
    }

    /**
     * Validation on image files: the first {@code perClass} readable images of each class (at most 2,000 in all),
     * with the evaluation transform the exported model will use.
     */
    static EmbeddingTrainer.Validation imageValidation(io.simforge.core.data.ImageList list, Preprocessing pre,
            int perClass, int every) {
        java.util.Map<Integer, Integer> taken = new java.util.HashMap<>();
        java.util.List<float[]> inputs = new ArrayList<>();
        java.util.List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < list.size() && inputs.size() < 2000; i++) {
            int y = list.labels()[i];
            if (taken.getOrDefault(y, 0) >= perClass) {
                continue;
            }
            float[] x = new float[pre.imageSize()];
            try {
                java.awt.image.BufferedImage img = io.simforge.core.image.Images.decode(list.file(i));
                io.simforge.core.image.Images.pixels(io.simforge.core.image.Images.resizeAndCentreCrop(img,
                        pre.resizeShorterSide(), pre.width(), pre.height()), pre.channels(), x, 0);
            } catch (java.io.IOException e) {
                System.err.println("simforge train: validation skips " + e.getMessage());
                continue;
            }
            pre.apply(x, 0);
            inputs.add(x);
            labels.add(y);
            taken.merge(y, 1, Integer::sum);
        }
        float[] all = new float[inputs.size() * pre.imageSize()];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.get(i), 0, all, i * pre.imageSize(), pre.imageSize());
        }
        return new EmbeddingTrainer.Validation(all, labels.stream().mapToInt(Integer::intValue).toArray(), every);
    }

    private int finish(TrainConfig c, io.simforge.train.TrainingImages train, Preprocessing pre, String name, Path run,
            EmbeddingTrainer.Validation validation, boolean resuming) throws Exception {
        Workflow flow = new Workflow(System.out);
        try (TrainedModel model = flow.trainAndSave(c, train, pre, name, run, validation, resuming)) {
            List<Float> losses = model.losses();
            double recent = losses.subList(Math.max(0, losses.size() - 50), losses.size()).stream()
                    .mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
            System.out.println("Summary:");
            System.out.printf(java.util.Locale.ROOT, "  iterations   %d of %d%s%n", model.lastIteration(), c.iterations,
                    model.lastIteration() < c.iterations ? " (stopped early: no better validation Recall@1 in "
                            + c.earlyStopPatience + " validations)" : "");
            System.out.printf(java.util.Locale.ROOT, "  loss         %.4f (mean of the last %d iterations)%n", recent,
                    Math.min(50, losses.size()));
            if (model.bestIteration() > 0) {
                System.out.printf(java.util.Locale.ROOT, "  validation   best Recall@1 %.4f at iteration %d%n",
                        model.bestRecallAt1(), model.bestIteration());
                if (model.bestIteration() != model.lastIteration()) {
                    Path best = run.resolve("model-best");
                    io.simforge.train.Checkpoint.load(io.simforge.train.Checkpoint.bestDir(run), model.model().getBlock(),
                            model.model().getNDManager());
                    io.simforge.models.SavedModel.save(best, model.model().getBlock(),
                            new io.simforge.models.SavedModel.Description(io.simforge.models.SavedModel.FORMAT_VERSION,
                                    model.architecture(), pre, flow.trainingSummary(c, name)));
                    System.out.println("  best model   " + best + " (the last one is in " + run.resolve("model") + ")");
                }
            }
            System.out.println("  files        " + run + ": model/, config.json, train-log.jsonl, checkpoint/");
            System.out.println("Export it with: simforge export " + run.resolve("model") + " -o " + run.resolve("model.onnx"));
        }
        return 0;
    }
}
