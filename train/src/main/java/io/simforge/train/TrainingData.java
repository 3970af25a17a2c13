package io.simforge.train;

import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.ImageDataset;

/**
 * What a training run reads, ready to use: the items batches are drawn from, how an image becomes a model input
 * (null for feature vectors), what to watch while training (optional), and a description for logs and the
 * model's metadata. {@link TrainingInput#open} makes one from a written-down description; code that already
 * holds its data makes one directly.
 */
public record TrainingData(TrainingImages items, Preprocessing preprocessing, Validation validation,
        String description) {
    public TrainingData {
        if (items == null || description == null) {
            throw new IllegalArgumentException("training data needs its items and a description");
        }
        if (items.size() == 0) {
            throw new IllegalArgumentException(description + " holds no items to train on");
        }
    }

    /** An in-memory image dataset, preprocessed without augmentation. */
    public static TrainingData of(ImageDataset images, Preprocessing pre, String description) {
        return new TrainingData(TrainingImages.of(images, pre), pre, null, description);
    }

    /** The same data, watched on {@code validation} while training. */
    public TrainingData withValidation(Validation validation) {
        return new TrainingData(items, preprocessing, validation, description);
    }

    /** Number of distinct classes. */
    public long classCount() {
        return java.util.Arrays.stream(items.labels()).distinct().count();
    }
}
