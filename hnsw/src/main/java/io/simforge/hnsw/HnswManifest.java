package io.simforge.hnsw;

import io.simforge.core.format.Format;

/**
 * What an HNSW index folder says about itself, beside Lucene's files ({@value #FILE_NAME}, format {@link #FORMAT}):
 * the vectors' dimension and metric, how the graph was built, and the weights checksum of the model whose embeddings
 * it holds ({@code simforge.weights_sha256}; null when the vectors came without a model).
 *
 * @param dimension the vectors' length
 * @param metric {@code COSINE} or {@code DOT}
 * @param m the graph degree
 * @param beamWidth the beam width while building
 * @param storage {@code FLOAT32} or {@code INT8}
 * @param scorer {@code SIMD} or {@code LUCENE}: whose inner products build and search the graph
 * @param weightsSha256 the model's weights checksum, or null
 * @param simforgeVersion the simforge that created the index
 * @param luceneVersion the Lucene that created it
 */
record HnswManifest(int dimension, String metric, int m, int beamWidth, String storage, String scorer,
        String weightsSha256, String simforgeVersion, String luceneVersion) {
    static final String FILE_NAME = "simforge-index.json";
    static final Format FORMAT = Format.of("simforge-hnsw-index", 1);
}
