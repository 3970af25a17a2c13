package io.simforge.eval;

/**
 * Embeddings to compare a model with, computed on the same preprocessed inputs it was evaluated on: a model is only
 * useful where it beats, say, an untrained network of the same architecture and the raw pixels.
 */
@FunctionalInterface
public interface Baseline {
    /**
     * @param inputs preprocessed, row-major {@code count × item size}
     * @return row-major embeddings, {@code count × d} for any d
     */
    float[] embed(float[] inputs, int count);

    /** The inputs themselves, L2-normalised: what retrieval on raw pixels (or raw features) gives. */
    static Baseline rawInputs() {
        return (inputs, count) -> {
            float[] x = inputs.clone();
            int dim = x.length / Math.max(count, 1);
            for (int r = 0; r < count; r++) {
                double norm = 0;
                for (int d = 0; d < dim; d++) {
                    norm += (double) x[r * dim + d] * x[r * dim + d];
                }
                float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
                for (int d = 0; d < dim; d++) {
                    x[r * dim + d] *= inv;
                }
            }
            return x;
        };
    }
}
