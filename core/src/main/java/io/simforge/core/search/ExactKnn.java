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
     * <p>Work is split into query blocks and, when there are too few of those to keep every core busy (one query,
     * ten queries: the app case), also into gallery ranges whose top lists are merged at the end. The merge uses
     * the same total order (score, then lower index) as the scan, so results do not depend on the split.
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
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        // Big blocks reuse each gallery block from cache; small ones keep every core busy on small inputs.
        int qb = Math.max(4, Math.min(MAX_QUERY_BLOCK, (numQueries / (4 * threads) + 3) / 4 * 4));
        int queryBlocks = (numQueries + qb - 1) / qb;
        int galleryBlocks = gallery.blocks();
        int split = Math.max(1, Math.min(galleryBlocks, (2 * threads + queryBlocks - 1) / queryBlocks));
        DotKernel kernel = DotKernel.best();
        IntStream.range(0, queryBlocks).parallel().forEach(b -> {
            int start = b * qb;
            int count = Math.min(numQueries, start + qb) - start;
            int[] ks = new int[count];
            for (int i = 0; i < count; i++) {
                ks[i] = Math.max(0, Math.min(kOf.applyAsInt(start + i), gallery.rows()));
            }
            TopK[][] lists = new TopK[split][];
            IntStream.range(0, split).parallel().forEach(part -> {
                int from = (int) ((long) galleryBlocks * part / split);
                int to = (int) ((long) galleryBlocks * (part + 1) / split);
                lists[part] = scanRange(kernel, queries, start, count, ks, gallery, from, to, selfOffset);
            });
            for (int i = 0; i < count; i++) {
                TopK top = lists[0][i];
                for (int part = 1; part < split; part++) {
                    top.merge(lists[part][i]);
                }
                if (ks[i] > 0) {
                    top.sort();
                    sink.accept(start + i, top.idx, top.score, top.filled);
                }
            }
        });
    }

    /** The top lists of queries {@code start … start+count−1} over gallery blocks {@code from … to−1}. */
    private static TopK[] scanRange(DotKernel kernel, float[] queries, int start, int count, int[] ks,
            PackedRows gallery, int from, int to, int selfOffset) {
        TopK[] top = new TopK[count];
        for (int i = 0; i < count; i++) {
            top[i] = new TopK(ks[i]);
        }
        float[] out = new float[count * PackedRows.BLOCK];
        for (int g = from; g < to; g++) {
            kernel.scores(queries, start, count, gallery, g, out);
            int valid = gallery.rowsInBlock(g);
            int base = g * PackedRows.BLOCK;
            for (int i = 0; i < count; i++) {
                TopK t = top[i];
                int o = i * PackedRows.BLOCK;
                // A full list only takes scores above its worst one: most blocks have none (one SIMD pass).
                if (t.filled == t.idx.length && (t.filled == 0 || !kernel.anyAbove(out, o, t.score[0]))) {
                    continue;
                }
                int skip = selfOffset < 0 ? -1 : selfOffset + start + i - base;
                t.offerBlock(out, o, valid, base, skip);
            }
        }
        return top;
    }

    /**
     * One query's best {@code k} so far, kept as a min-heap whose root is the worst entry (lowest score; among
     * equal scores the highest index).
     */
    private static final class TopK {
        final int[] idx;
        final float[] score;
        int filled;

        TopK(int k) {
            idx = new int[k];
            score = new float[k];
        }

        /**
         * Merges one block's scores. Gallery rows arrive in increasing index order, so an equal score never
         * displaces an entry: ties keep the lower index.
         */
        void offerBlock(float[] out, int o, int valid, int base, int skip) {
            int k = idx.length;
            for (int j = 0; j < valid; j++) {
                float s = out[o + j];
                if (j == skip || s != s) { // NaN scores rank nowhere
                    continue;
                }
                if (filled < k) {
                    siftUp(s, base + j);
                } else if (s > score[0]) {
                    siftDown(score, idx, k, s, base + j);
                }
            }
        }

        /** Adds another range's list (any order of arrival: compares score, then index). */
        void merge(TopK other) {
            for (int e = 0; e < other.filled; e++) {
                float s = other.score[e];
                int i = other.idx[e];
                if (filled < idx.length) {
                    siftUp(s, i);
                } else if (worse(score[0], idx[0], s, i)) {
                    siftDown(score, idx, filled, s, i);
                }
            }
        }

        private void siftUp(float s, int i) {
            int pos = filled++;
            while (pos > 0) {
                int parent = (pos - 1) >>> 1;
                if (!worse(s, i, score[parent], idx[parent])) {
                    break;
                }
                score[pos] = score[parent];
                idx[pos] = idx[parent];
                pos = parent;
            }
            score[pos] = s;
            idx[pos] = i;
        }

        /** Turns the heap into a list sorted best first (heapsort). */
        void sort() {
            for (int end = filled - 1; end > 0; end--) {
                float s = score[end];
                int i = idx[end];
                score[end] = score[0];
                idx[end] = idx[0];
                siftDown(score, idx, end, s, i);
            }
        }
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
}
