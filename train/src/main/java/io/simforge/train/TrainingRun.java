package io.simforge.train;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import io.simforge.core.format.Format;
import io.simforge.core.run.RunFolder;
import io.simforge.core.run.TrainingLog;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One training run, from data to a saved model: the library entry point behind {@code simforge train} and the
 * quickstart. It reads the data ({@link TrainingInput#open} or given {@link TrainingData}), checks everything it
 * can before it writes anything, then trains ({@link TrainConfig}) and keeps the run's files in its
 * {@link RunFolder}: {@code config.json}, {@code train-input.json}, {@code train-log.jsonl}, checkpoints,
 * {@code model/} (and {@code model-best/} when validation found better weights than the last ones) and
 * {@code training.json}. Without a run folder it trains in memory only.
 *
 * <pre>{@code
 * TrainConfig config = TrainConfig.builder().optIterations(600).build();
 * TrainingInput input = TrainingInput.of(DataSource.bundled()).withClasses("0-4").withValidation("5-9", 200, 100);
 * try (TrainedModel model = TrainingRun.builder().setConfig(config).setInput(input)
 *         .optRunFolder(RunFolder.at(Path.of("runs/mine"), "train")).build().run()) {
 *     ...
 * }
 * }</pre>
 *
 * A run that fails before its first checkpoint removes the folder it created; after one, the folder is kept and
 * {@link #resume(RunFolder)} continues it.
 */
public final class TrainingRun {
    /** {@code training.json}: what a run did. */
    public static final Format SUMMARY = Format.of("simforge-training-summary", 1);

    /** What is about to be trained, once the data is read. */
    public record Plan(Architecture architecture, String loss, String data, int items, long classes, int iterations,
            int classesPerBatch, int samplesPerClass, int resumedAt, RunFolder folder) {
        /** One line, e.g. "Training convnet (64-d) with Multi-Similarity loss on …: 5000 images, 5 classes, …". */
        public String describe() {
            return String.format(Locale.ROOT, "Training %s (%d-d) with %s on %s: %d %s, %d classes, %d iterations of "
                    + "%d×%d", architecture.kind(), architecture.embeddingSize(), loss, data, items,
                    architecture.inputShape().length == 3 ? "images" : "vectors", classes, iterations, classesPerBatch,
                    samplesPerClass);
        }
    }

    private final TrainConfig config;
    private final TrainingInput input;
    private final TrainingData data;
    private final RunFolder folder;
    private final TrainingListener listener;
    private final boolean resume;

    private TrainingRun(Builder b) {
        config = b.config;
        input = b.input;
        data = b.data;
        folder = b.folder;
        listener = b.listener;
        resume = b.resume;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Continues an interrupted run from its latest checkpoint, with the settings and data it was started with
     * ({@code config.json}, {@code train-input.json}); set another configuration on the builder to change, say,
     * the number of iterations.
     */
    public static Builder resume(RunFolder folder) throws IOException {
        if (!folder.exists()) {
            throw new IOException("run folder not found: " + folder);
        }
        if (!Files.isRegularFile(folder.config())) {
            throw new IOException(folder + " has no " + folder.dir().relativize(folder.config()) + "; it is not a "
                    + "training run folder");
        }
        Builder b = builder().setConfig(TrainConfig.fromJson(Files.readString(folder.config()),
                folder.config().toString())).optRunFolder(folder);
        if (Files.isRegularFile(folder.trainingInput())) {
            b.setInput(TrainingInput.read(folder.trainingInput()));
        }
        b.resume = true;
        return b;
    }

    public TrainConfig config() {
        return config;
    }

    /**
     * Trains. The returned model is the last one (the caller closes it); the run folder, if any, holds it as
     * {@code model/} and the best-validated one as {@code model-best/}.
     *
     * @throws IllegalArgumentException when the data does not suit the configuration (found before anything is written)
     * @throws TrainingDivergedException when the loss becomes NaN (the last checkpoint is intact)
     * @throws UncheckedIOException when the data or the run folder cannot be read or written
     */
    public TrainedModel run() {
        TrainingData d = data != null ? data : input.open(config);
        TrainingLoop loop = new TrainingLoop(config, d, folder == null ? null : folder.dir());
        int resumedAt = 0;
        boolean created = folder != null && !folder.exists();
        try {
            if (folder != null) {
                resumedAt = prepareFolder();
            }
            Plan plan = new Plan(loop.architecture(), config.lossDescription(), d.description(), d.items().size(),
                    d.classCount(), config.iterations(), config.classesPerBatch(), config.samplesPerClass(), resumedAt,
                    folder);
            listener.onStart(plan);
            TrainedModel model;
            try (TrainingLog log = folder == null ? null : resume ? TrainingLog.append(folder.trainingLog())
                    : TrainingLog.create(folder.trainingLog())) {
                model = loop.run(resume, logging(log));
            }
            model = model.withTraining(metadataSummary(d.description(), model.lastValidation()));
            if (folder != null) {
                saveModels(model);
                SUMMARY.write(folder.trainingSummary(), runSummary(plan, model));
            }
            return model;
        } catch (IOException e) {
            cleanUp(created);
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            cleanUp(created);
            throw e;
        }
    }

    /** Writes the settings and input; returns the checkpoint's iteration when resuming. */
    private int prepareFolder() throws IOException {
        if (resume) {
            return Checkpoint.readState(Checkpoint.latest(folder.dir())).iteration();
        }
        if (Files.exists(folder.checkpoint()) || folder.hasTrainedModel()) {
            throw new IllegalArgumentException(folder + " already holds a training run; resume it, or train into "
                    + "another folder");
        }
        folder.create();
        io.simforge.core.io.AtomicFiles.writeString(folder.config(), config.toJson() + "\n");
        if (input != null) {
            input.write(folder.trainingInput());
        }
        return 0;
    }

    private TrainingListener logging(TrainingLog log) {
        long start = System.nanoTime();
        return new TrainingListener() {
            @Override
            public void onIteration(int iteration, int total, float loss) {
                if (log != null) {
                    try {
                        log.iteration(iteration, loss, (System.nanoTime() - start) / 1e9);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                listener.onIteration(iteration, total, loss);
            }

            @Override
            public void onValidation(int iteration, Map<String, Double> metrics) {
                if (log != null) {
                    try {
                        log.validation(iteration, metrics);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                listener.onValidation(iteration, metrics);
            }
        };
    }

    /** {@code model/}, and {@code model-best/} when the best validation came before the last iteration. */
    private void saveModels(TrainedModel model) throws IOException {
        SavedModel.save(folder.model(), model.block(), new SavedModel.Description(SavedModel.FORMAT_VERSION,
                model.architecture(), model.preprocessing(), model.training()));
        if (model.bestIteration() > 0 && model.bestIteration() != model.lastIteration()) {
            try (Model best = Model.newInstance("best")) {
                best.setBlock(model.architecture().build());
                best.getBlock().initialize(best.getNDManager(), DataType.FLOAT32, model.architecture().batchInputShape(1));
                Checkpoint.load(folder.bestCheckpoint(), best.getBlock(), best.getNDManager());
                SavedModel.save(folder.bestModel(), best.getBlock(), new SavedModel.Description(
                        SavedModel.FORMAT_VERSION, model.architecture(), model.preprocessing(), model.training()));
            }
        }
    }

    /** The training facts a model carries in its metadata ({@code simforge.training}). */
    private String metadataSummary(String dataName, Map<String, Double> lastValidation) {
        JsonObject o = new JsonObject();
        o.addProperty("loss", config.loss().toString());
        o.addProperty("embedding_expansion", config.ee() ? Integer.toString(config.eeSyntheticPoints()) : "off");
        if (config.xbmSize() > 0) {
            o.addProperty("cross_batch_memory", config.xbmSize());
        }
        o.addProperty("architecture", config.architecture().toString());
        o.addProperty("dataset", dataName);
        o.addProperty("iterations", config.iterations());
        o.addProperty("batch", config.classesPerBatch() + "x" + config.samplesPerClass());
        if (lastValidation != null) {
            JsonObject v = new JsonObject();
            lastValidation.forEach((k, value) -> v.addProperty(k, Math.round(value * 10000) / 10000.0));
            o.add("validation_at_export", v);
        }
        return o.toString();
    }

    /** {@code training.json}: what this run did. */
    private static Map<String, Object> runSummary(Plan plan, TrainedModel model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", plan.loss());
        m.put("data", plan.data());
        m.put("items", plan.items());
        m.put("classes", plan.classes());
        m.put("iterations", plan.iterations());
        m.put("last_iteration", model.lastIteration());
        m.put("resumed_at", plan.resumedAt());
        m.put("seconds", model.seconds());
        m.put("items_per_second", model.losses().size() * (double) plan.classesPerBatch() * plan.samplesPerClass()
                / model.seconds());
        if (model.bestIteration() > 0) {
            m.put("best_iteration", model.bestIteration());
            m.put("best_recall@1", model.bestRecallAt1());
        }
        if (model.lastValidation() != null) {
            m.put("last_validation", model.lastValidation());
        }
        return m;
    }

    /** A run that failed before its first checkpoint leaves nothing behind in a folder it created. */
    private void cleanUp(boolean created) {
        if (!created || folder == null || Files.exists(folder.checkpoint())) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder.dir())) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.getLogger(TrainingRun.class.getName()).log(System.Logger.Level.WARNING, "could not remove the "
                    + "unfinished run folder " + folder + ": " + e.getMessage());
        }
    }

    /** {@code setX} for what a run needs (settings, and its data or a description of it), {@code optX} for the rest. */
    public static final class Builder {
        private TrainConfig config;
        private TrainingInput input;
        private TrainingData data;
        private RunFolder folder;
        private TrainingListener listener = TrainingListener.NONE;
        private boolean resume;

        private Builder() {}

        public Builder setConfig(TrainConfig config) {
            this.config = config;
            return this;
        }

        /** The data, written down (kept in {@code train-input.json} so the run can be resumed). */
        public Builder setInput(TrainingInput input) {
            this.input = input;
            this.data = null;
            return this;
        }

        /** The data, already in memory (a resumed run then needs the same data given again). */
        public Builder setData(TrainingData data) {
            this.data = data;
            this.input = null;
            return this;
        }

        /** Where the run keeps its files; without one it trains in memory only (no checkpoints, no resume). */
        public Builder optRunFolder(RunFolder folder) {
            this.folder = folder;
            return this;
        }

        public Builder optListener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        public TrainingRun build() {
            if (config == null) {
                throw new IllegalArgumentException("a training run needs its settings (setConfig)");
            }
            if (input == null && data == null) {
                throw new IllegalArgumentException("a training run needs its data (setInput or setData)"
                        + (resume ? "; this run folder has no train-input.json, so give the data it was started with"
                        : ""));
            }
            if (resume && folder == null) {
                throw new IllegalArgumentException("resuming needs the run folder");
            }
            return new TrainingRun(this);
        }
    }
}
