package io.simforge.core.image;

import io.simforge.core.model.Preprocessing;

/**
 * Decoded images of one size held by the caller (an in-memory dataset, a tensor of frames): raw pixel values
 * 0–255, channel-major (CHW). What an embedder needs to preprocess them itself, without knowing where they came
 * from.
 */
public interface PixelSource {
    int size();

    int channels();

    int height();

    int width();

    /** Writes image {@code i}'s raw pixels (0–255, CHW) as floats at {@code offset}. */
    void copyPixels(int i, float[] out, int offset);

    /**
     * Writes images {@code [from, from + count)} into {@code out} at {@code offset} as model inputs: raw pixels,
     * then {@link Preprocessing#apply}.
     *
     * @throws io.simforge.core.error.InvalidInputException when the images are not of the size the preprocessing
     *     expects
     */
    default void inputs(Preprocessing pre, int from, int count, float[] out, int offset) {
        if (channels() != pre.channels() || height() != pre.height() || width() != pre.width()) {
            throw new io.simforge.core.error.InvalidInputException("the model expects " + pre.channels() + "x" + pre.height() + "x"
                    + pre.width() + " images but the dataset holds " + channels() + "x" + height() + "x" + width()
                    + "; resize the images or use a model trained at that size");
        }
        int size = pre.imageSize();
        for (int i = 0; i < count; i++) {
            copyPixels(from + i, out, offset + i * size);
            pre.apply(out, offset + i * size);
        }
    }

    /** Every image as model inputs, row-major {@code size() × imageSize}. */
    default float[] inputs(Preprocessing pre) {
        float[] out = new float[size() * pre.imageSize()];
        inputs(pre, 0, size(), out, 0);
        return out;
    }
}
