package io.simforge.core.search;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Exact k-nearest-neighbour search by inner product (cosine similarity on L2-normalised vectors).
 *
 * <p>Queries are processed in blocks so memory stays bounded (never a full N×N matrix), blocks run in
 * parallel on all cores, and ties are broken by the lower gallery index so results are deterministic.
 */
public final class ExactKnn {
    private static final int QUERY_BLOCK = 64;

    private ExactKnn() {}

    /**
     * The {@code k} gallery rows with the highest inner product for each query row.
     *
     * @param queries row-major, {@code numQueries × dim}
     * @param gallery row-major, {@code numGallery × dim}
     * @param selfOffset when queries are gallery rows {@code selfOffset + q} (leave-one-out evaluation),
     *     that row is excluded from query {@code q}'s results; pass -1 to exclude nothing
     * @return {@code numQueries × k} gallery indices, best first; fewer than k valid entries are -1
     */
    public static int[][] search(float[] queries, float[] gallery, int dim, int k, int selfOffset) {
        if (dim <= 0 || gallery.length % dim != 0) {
            throw new IllegalArgumentException("gallery length " + gallery.length + " is not a multiple of dimension " + dim);
        }
        return search(queries, gallery, gallery.length / dim, dim, k, selfOffset);
    }

    /** Ranked neighbours: gallery rows and their scores, best first (-1 and -∞ pad a short list). */
    public record Neighbours(int[][] indices, float[][] scores) {}

    /** As {@link #search(float[], float[], int, int, int)}, over the first {@code numGallery} rows of {@code gallery}. */
    public static int[][] search(float[] queries, float[] gallery, int numGallery, int dim, int k, int selfOffset) {
        return searchWithScores(queries, gallery, numGallery, dim, k, selfOffset).indices();
    }

    /** As {@link #search(float[], float[], int, int, int, int)}, with the inner products of the neighbours. */
    public static Neighbours searchWithScores(float[] queries, float[] gallery, int numGallery, int dim, int k,
            int selfOffset) {
        if (dim <= 0 || queries.length % dim != 0 || (long) numGallery * dim > gallery.length) {
            throw new IllegalArgumentException("query length " + queries.length + " is not a multiple of dimension " + dim
                    + ", or the gallery holds fewer than " + numGallery + " rows");
        }
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        int numQueries = queries.length / dim;
        int[][] result = new int[numQueries][];
        float[][] scores = new float[numQueries][];
        int blocks = (numQueries + QUERY_BLOCK - 1) / QUERY_BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int start = b * QUERY_BLOCK;
            int end = Math.min(numQueries, start + QUERY_BLOCK);
            for (int q = start; q < end; q++) {
                result[q] = new int[k];
                scores[q] = new float[k];
                topK(queries, q * dim, gallery, numGallery, dim, k, selfOffset < 0 ? -1 : selfOffset + q, result[q],
                        scores[q]);
            }
        });
        return new Neighbours(result, scores);
    }

    private static void topK(float[] queries, int qOff, float[] gallery, int numGallery, int dim, int k, int skip,
            int[] idx, float[] score) {
        Arrays.fill(idx, -1);
        Arrays.fill(score, Float.NEGATIVE_INFINITY);
        int filled = 0;
        for (int g = 0; g < numGallery; g++) {
            if (g == skip) {
                continue;
            }
            int gOff = g * dim;
            float s = 0f;
            for (int d = 0; d < dim; d++) {
                s += queries[qOff + d] * gallery[gOff + d];
            }
            // Strictly greater: an equal score never displaces an earlier (lower) index.
            if (filled < k || s > score[k - 1]) {
                int pos = Math.min(filled, k - 1);
                while (pos > 0 && s > score[pos - 1]) {
                    score[pos] = score[pos - 1];
                    idx[pos] = idx[pos - 1];
                    pos--;
                }
                score[pos] = s;
                idx[pos] = g;
                if (filled < k) {
                    filled++;
                }
            }
        }
    }
}
