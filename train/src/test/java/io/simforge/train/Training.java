package io.simforge.train;

import io.simforge.core.model.Preprocessing;
import io.simforge.core.run.RunFolder;
import io.simforge.datasets.ImageDataset;
import java.io.IOException;
import java.nio.file.Path;

/** Test shorthand: a {@link TrainingRun} on an in-memory dataset. */
final class Training {
    private Training() {}

    static TrainedModel train(TrainConfig c, ImageDataset data, Preprocessing pre) {
        return train(c, data, pre, null, TrainingListener.NONE, null, false);
    }

    /** With an optional validation, listener and run folder ({@code resume}: continue the run in it). */
    static TrainedModel train(TrainConfig c, ImageDataset data, Preprocessing pre, Validation validation,
            TrainingListener listener, Path run, boolean resume) {
        TrainingData d = TrainingData.of(data, pre, "test data").withValidation(validation);
        TrainingRun.Builder b;
        try {
            b = resume ? TrainingRun.resume(new RunFolder(run)) : TrainingRun.builder().optRunFolder(
                    run == null ? null : new RunFolder(run));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.setConfig(c).setData(d).optListener(listener == null ? TrainingListener.NONE : listener).build().run();
    }

    static Validation validation(ImageDataset data, Preprocessing pre, int every) {
        return Validation.of(data, data.labels(), pre, every);
    }
}
