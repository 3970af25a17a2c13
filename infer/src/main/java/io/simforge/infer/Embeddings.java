package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import java.util.Arrays;

/**
 * The embeddings of a list of items, in the list's order: {@link #size()} rows of {@link #dimension()} values.
 * Immutable; {@link #get(int)} and {@link #toArray()} return copies, so a caller never slices a flat array by hand.
 */
public final class Embeddings {
    private final float[] values;
    private final int dimension;

    private Embeddings(float[] values, int dimension) {
        this.values = values;
        this.dimension = dimension;
    }

    /**
     * Wraps row-major values (not copied: the caller gives up the array).
     *
     * @throws InvalidInputException when the values do not make whole rows
     */
    static Embeddings wrap(float[] values, int dimension) {
        if (dimension <= 0 || values.length % dimension != 0) {
            throw new InvalidInputException(values.length + " values do not make rows of " + dimension);
        }
        return new Embeddings(values, dimension);
    }

    /** The number of items. */
    public int size() {
        return values.length / dimension;
    }

    /** Values per embedding. */
    public int dimension() {
        return dimension;
    }

    /**
     * A copy of item {@code i}'s embedding.
     *
     * @throws InvalidInputException when {@code i} is not an item's index
     */
    public float[] get(int i) {
        if (i < 0 || i >= size()) {
            throw new InvalidInputException("item " + i + " does not exist: these embeddings hold items 0 to "
                    + (size() - 1));
        }
        return Arrays.copyOfRange(values, i * dimension, (i + 1) * dimension);
    }

    /** Every embedding, one array per item. */
    public float[][] toArray() {
        float[][] out = new float[size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /** A copy of every value, row-major {@code size() × dimension()} (what {@link ExactIndex#addAll} takes). */
    public float[] toFlatArray() {
        return values.clone();
    }

    @Override
    public String toString() {
        return size() + " embeddings of " + dimension + " values";
    }
}
