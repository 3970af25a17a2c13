package io.simforge.core.search;

import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

/**
 * Exact k-nearest-neighbour search by inner product (cosine similarity on L2-normalised vectors).
 *
 * <p>Queries are processed in blocks against blocks of the packed gallery, so memory stays bounded (never
 * a full N×N matrix: one block of scores per thread); query blocks run in parallel on all cores; the
 * scores come from {@link DotKernel#best()}. Ties are broken by the lower gallery index, so results are
 * deterministic whatever the number of threads.
 */
public final class ExactKnn {
    private static final int MAX_QUERY_BLOCK = 256;

    private ExactKnn() {}

    /** Receives each query's ranked neighbours, once per query, possibly from several threads at once. */
    @FunctionalInterface
    public interface NeighbourSink {
        /**
         * @param indices gallery rows, best first; only the first {@code count} entries are valid
         * @param scores their inner products; the arrays are reused after the call returns
         */
        void accept(int query, int[] indices, float[] scores, int count);
    }

    /** Ranked neighbours: gallery rows and their scores, best first (-1 and -∞ pad a short list). */
    public record Neighbours(int[][] indices, float[][] scores) {}

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

    /** As {@link #search(float[], float[], int, int, int)}, over the first {@code numGallery} rows of {@code gallery}. */
    public static int[][] search(float[] queries, float[] gallery, int numGallery, int dim, int k, int selfOffset) {
        return searchWithScores(queries, gallery, numGallery, dim, k, selfOffset).indices();
    }

    /** As {@link #search(float[], float[], int, int, int, int)}, with the inner products of the neighbours. */
    public static Neighbours searchWithScores(float[] queries, float[] gallery, int numGallery, int dim, int k,
            int selfOffset) {
        if (dim <= 0 || (long) numGallery * dim > gallery.length) {
            throw new IllegalArgumentException("the gallery holds fewer than " + numGallery + " rows of dimension " + dim);
        }
        return searchWithScores(queries, PackedRows.pack(gallery, numGallery, dim), k, selfOffset);
    }

    /** As {@link #searchWithScores(float[], float[], int, int, int, int)}, over an already packed gallery. */
    public static Neighbours searchWithScores(float[] queries, PackedRows gallery, int k, int selfOffset) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        int numQueries = queries.length / gallery.dim();
        int[][] result = new int[numQueries][];
        float[][] scores = new float[numQueries][];
        scan(queries, gallery, q -> k, selfOffset, (q, idx, sc, count) -> {
            result[q] = Arrays.copyOf(idx, k);
            scores[q] = Arrays.copyOf(sc, k);
            Arrays.fill(result[q], count, k, -1);
            Arrays.fill(scores[q], count, k, Float.NEGATIVE_INFINITY);
        });
        return new Neighbours(result, scores);
    }

    /**
     * Streams each query's top {@code kOf(q)} neighbours to {@code sink} without keeping them: the way to
     * evaluate hundreds of thousands of queries whose lists would not all fit in memory together.
     *
     * @param kOf how many neighbours query {@code q} needs (0 skips it)
     */
    public static void scan(float[] queries, PackedRows gallery, IntUnaryOperator kOf, int selfOffset,
            NeighbourSink sink) {
        int dim = gallery.dim();
        if (queries.length % dim != 0) {
            throw new IllegalArgumentException("query length " + queries.length + " is not a multiple of dimension " + dim);
        }
        int numQueries = queries.length / dim;
        int threads = ForkJoinPool.getCommonPoolParallelism();
        // Big blocks reuse each gallery block from cache; small ones keep every core busy on small inputs.
        int qb = Math.max(4, Math.min(MAX_QUERY_BLOCK, (numQueries / (4 * Math.max(1, threads)) + 3) / 4 * 4));
        int blocks = (numQueries + qb - 1) / qb;
        DotKernel kernel = DotKernel.best();
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int start = b * qb;
            int count = Math.min(numQueries, start + qb) - start;
            int[][] idx = new int[count][];
            float[][] sc = new float[count][];
            int[] filled = new int[count];
            for (int i = 0; i < count; i++) {
                int k = Math.min(kOf.applyAsInt(start + i), gallery.rows());
                idx[i] = new int[Math.max(k, 0)];
                sc[i] = new float[Math.max(k, 0)];
            }
            float[] out = new float[count * PackedRows.BLOCK];
            for (int g = 0; g < gallery.blocks(); g++) {
                kernel.scores(queries, start, count, gallery, g, out);
                int valid = gallery.rowsInBlock(g);
                int base = g * PackedRows.BLOCK;
                for (int i = 0; i < count; i++) {
                    int skip = selfOffset < 0 ? -1 : selfOffset + start + i - base;
                    filled[i] = select(out, i * PackedRows.BLOCK, valid, base, skip, idx[i], sc[i], filled[i]);
                }
            }
            for (int i = 0; i < count; i++) {
                if (idx[i].length > 0) {
                    sortHeap(sc[i], idx[i], filled[i]);
                    sink.accept(start + i, idx[i], sc[i], filled[i]);
                }
            }
        });
    }

    /**
     * Merges one block's scores into a query's top list, kept as a min-heap whose root is the worst entry
     * (lowest score; among equal scores the highest index). Gallery rows arrive in increasing index order,
     * so an equal score never displaces an entry: ties keep the lower index. Returns the new fill count.
     */
    private static int select(float[] out, int o, int valid, int base, int skip, int[] idx, float[] score, int filled) {
        int k = idx.length;
        if (k == 0) {
            return 0;
        }
        for (int j = 0; j < valid; j++) {
            float s = out[o + j];
            if (j == skip || s != s) { // NaN scores rank nowhere
                continue;
            }
            if (filled < k) {
                // Sift up.
                int pos = filled++;
                while (pos > 0) {
                    int parent = (pos - 1) >>> 1;
                    if (!worse(s, base + j, score[parent], idx[parent])) {
                        break;
                    }
                    score[pos] = score[parent];
                    idx[pos] = idx[parent];
                    pos = parent;
                }
                score[pos] = s;
                idx[pos] = base + j;
            } else if (s > score[0]) {
                siftDown(score, idx, k, s, base + j);
            }
        }
        return filled;
    }

    /** True when (s, i) ranks below (t, j). */
    private static boolean worse(float s, int i, float t, int j) {
        return s < t || (s == t && i > j);
    }

    private static void siftDown(float[] score, int[] idx, int size, float s, int i) {
        int pos = 0;
        while (true) {
            int child = 2 * pos + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(score[child + 1], idx[child + 1], score[child], idx[child])) {
                child++;
            }
            if (!worse(score[child], idx[child], s, i)) {
                break;
            }
            score[pos] = score[child];
            idx[pos] = idx[child];
            pos = child;
        }
        score[pos] = s;
        idx[pos] = i;
    }

    /** Turns a heap of {@code filled} entries into a list sorted best first (heapsort). */
    private static void sortHeap(float[] score, int[] idx, int filled) {
        for (int end = filled - 1; end > 0; end--) {
            float s = score[end];
            int i = idx[end];
            score[end] = score[0];
            idx[end] = idx[0];
            siftDown(score, idx, end, s, i);
        }
    }
}
