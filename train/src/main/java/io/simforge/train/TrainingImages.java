package io.simforge.train;

import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import java.io.IOException;
import java.util.Random;

/**
 * What a training run draws its batches from: labelled items of one input shape, each turned into a model
 * input on request — with augmentation for image files ({@link ImageFileTrainingSet}), as is for in-memory
 * datasets.
 */
public interface TrainingImages {
    int size();

    int label(int i);

    int[] labels();

    /** The model input's shape: channels, height, width. */
    int[] inputShape();

    /**
     * Writes item {@code i}'s model input (preprocessed, augmented when the source augments) at
     * {@code offset}; {@code random} drives the augmentation. An unreadable item throws {@link IOException}.
     */
    void input(int i, float[] out, int offset, Random random) throws IOException;

    /** Whether {@link #input} decodes files (worth doing in parallel, ahead of the training step). */
    default boolean slow() {
        return false;
    }

    /** Feature vectors (row-major {@code labels.length × dim}), used as they are: for non-image embeddings. */
    static TrainingImages vectors(float[] values, int dim, int[] labels) {
        if ((long) labels.length * dim != values.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + values.length / Math.max(dim, 1)
                    + " vectors of dimension " + dim);
        }
        return new TrainingImages() {
            @Override
            public int size() {
                return labels.length;
            }

            @Override
            public int label(int i) {
                return labels[i];
            }

            @Override
            public int[] labels() {
                return labels;
            }

            @Override
            public int[] inputShape() {
                return new int[] {dim};
            }

            @Override
            public void input(int i, float[] out, int offset, Random random) {
                System.arraycopy(values, i * dim, out, offset, dim);
            }
        };
    }

    /** An in-memory dataset, preprocessed without augmentation. */
    static TrainingImages of(ImageDataset data, Preprocessing pre) {
        if (pre.channels() != data.channels() || pre.height() != data.height() || pre.width() != data.width()) {
            throw new IllegalArgumentException("preprocessing expects " + pre.channels() + "x" + pre.height() + "x"
                    + pre.width() + " images but the dataset holds " + data.channels() + "x" + data.height() + "x"
                    + data.width());
        }
        return new TrainingImages() {
            @Override
            public int size() {
                return data.size();
            }

            @Override
            public int label(int i) {
                return data.label(i);
            }

            @Override
            public int[] labels() {
                return data.labels();
            }

            @Override
            public int[] inputShape() {
                return new int[] {data.channels(), data.height(), data.width()};
            }

            @Override
            public void input(int i, float[] out, int offset, Random random) {
                data.inputs(pre, i, 1, out, offset);
            }
        };
    }
}
