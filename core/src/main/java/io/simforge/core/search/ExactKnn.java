package io.simforge.core.search;

import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.Int8Rows;
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
    private static final int MAX_QUERY_BLOCK = 252;
    /** Up to this many candidates in one gallery block, {@link #rerank} scores them row by row. */
    private static final int SPARSE_PAIRS = 2;

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
        DotKernel kernel = DotKernel.best();
        scan(queries.length / dim, gallery.rows(), gallery.blocks(), kernel,
                (start, count, g, out) -> kernel.scores(queries, start, count, gallery, g, out), kOf, selfOffset, sink);
    }

    /**
     * The top {@code k} rows for each query by inner product, exactly as {@link #searchWithScores(float[], PackedRows,
     * int, int)} finds them in {@code exact} (same rows, scores and ties), found faster through 8-bit {@code codes} of
     * the same rows: the Java kernel ranks the codes, {@link QuantizedSearch} re-ranks and proves the candidates.
     *
     * @param candidates how many rows per query the codes pick at first, at least {@code k}
     */
    public static Neighbours searchQuantized(float[] queries, Int8Rows codes, PackedRows exact, int k, int candidates) {
        return QuantizedSearch.search(queries, codes, exact, k, candidates, QuantizedSearch.javaKernel(codes)).neighbours();
    }

    /**
     * Each query's best {@code perQuery} rows by the Java kernel's scores of the codes (ties to the lower row), best
     * first, and in {@code kept} their scores as the kernel computed them.
     *
     * @param scaled queries scaled by {@link Int8Rows#scaleQueries}
     */
    static int[][] pickByCodes(float[] scaled, Int8Rows codes, int perQuery, float[][] kept) {
        int numQueries = scaled.length / codes.dim();
        DotKernel kernel = DotKernel.best();
        int[][] rows = new int[numQueries][];
        scan(numQueries, codes.rows(), codes.blocks(), kernel,
                (start, count, g, out) -> kernel.scores(scaled, start, count, codes, g, out), q -> perQuery, -1,
                (q, idx, sc, count) -> {
                    rows[q] = Arrays.copyOf(idx, count);
                    kept[q] = Arrays.copyOf(sc, count);
                });
        return rows;
    }

    /**
     * Query {@code i}'s best {@code k} of two ranked lists over different rows, into {@code indices[i]} and {@code
     * scores[i]} (padded with -1 and −∞), in the scan's order: score, then the lower row.
     */
    static void merge(Neighbours a, Neighbours b, int i, int k, int[][] indices, float[][] scores) {
        long[] keys = new long[2 * k];
        int n = 0;
        for (Neighbours list : new Neighbours[] {a, b}) {
            for (int j = 0; j < k && list.indices()[i][j] >= 0; j++) {
                keys[n++] = key(list.scores()[i][j], list.indices()[i][j]);
            }
        }
        Arrays.sort(keys, 0, n);
        indices[i] = new int[k];
        scores[i] = new float[k];
        int filled = Math.min(k, n);
        Arrays.fill(indices[i], filled, k, -1);
        Arrays.fill(scores[i], filled, k, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < filled; j++) {
            indices[i][j] = (int) keys[j];
            scores[i][j] = scoreOf(keys[j]);
        }
    }

    /**
     * Re-ranks each query's candidate rows by their float32 rows in {@code exact}: the best {@code k} of the candidates
     * with the scores, order and ties (to the lower row) of {@link #searchWithScores(float[], PackedRows, int, int)}.
     *
     * @param candidates per query its candidate rows (distinct, any order, at least one)
     * @return the best {@code k} per query; a query with fewer candidates is padded with -1 and −∞
     */
    public static Neighbours rerank(float[] queries, PackedRows exact, int[][] candidates, int k) {
        int dim = exact.dim();
        if (k <= 0 || queries.length != candidates.length * dim) {
            throw new IllegalArgumentException("k must be positive and there must be one candidate list per query, got k "
                    + k + ", " + candidates.length + " lists for " + queries.length / dim + " queries");
        }
        long[][] keys = scoreCandidates(queries, exact, candidates);
        int[][] result = new int[candidates.length][];
        float[][] scores = new float[candidates.length][];
        IntStream.range(0, candidates.length).parallel().forEach(q -> {
            long[] ranked = keys[q];
            Arrays.sort(ranked);
            int n = Math.min(k, ranked.length);
            result[q] = new int[k];
            scores[q] = new float[k];
            Arrays.fill(result[q], n, k, -1);
            Arrays.fill(scores[q], n, k, Float.NEGATIVE_INFINITY);
            for (int c = 0; c < n; c++) {
                result[q][c] = (int) ranked[c];
                scores[q][c] = scoreOf(ranked[c]);
            }
        });
        return new Neighbours(result, scores);
    }

    /**
     * Every candidate's {@link #key} (its float32 score and row), per query in the candidates' order. Scored a gallery
     * block at a time with the SIMD kernel, every query with a candidate in the block at once: one row alone reads a
     * cache line per dimension for one value of each (the packed layout is dimension-major), a quarter of the block's
     * lines, so only a block with at most {@value #SPARSE_PAIRS} candidates is scored row by row. Both give the scan's
     * scores, bit for bit (fused multiply-adds in dimension order).
     */
    private static long[][] scoreCandidates(float[] queries, PackedRows exact, int[][] candidates) {
        int dim = exact.dim();
        int blocks = exact.blocks();
        int[] first = new int[blocks + 1];
        long[][] keys = new long[candidates.length][];
        for (int q = 0; q < candidates.length; q++) {
            keys[q] = new long[candidates[q].length];
            for (int row : candidates[q]) {
                java.util.Objects.checkIndex(row, exact.rows());
                first[row / PackedRows.BLOCK + 1]++;
            }
        }
        for (int b = 0; b < blocks; b++) {
            first[b + 1] += first[b];
        }
        // Each block's (query, slot) pairs, queries ascending: a counting sort by block.
        int[] pairQuery = new int[first[blocks]];
        int[] pairSlot = new int[first[blocks]];
        int[] next = Arrays.copyOf(first, blocks);
        for (int q = 0; q < candidates.length; q++) {
            for (int c = 0; c < candidates[q].length; c++) {
                int at = next[candidates[q][c] / PackedRows.BLOCK]++;
                pairQuery[at] = q;
                pairSlot[at] = c;
            }
        }
        DotKernel kernel = DotKernel.best();
        int parts = Math.min(blocks, 8 * Math.max(1, ForkJoinPool.getCommonPoolParallelism()));
        IntStream.range(0, parts).parallel().forEach(part -> {
            float[] gathered = new float[0];
            float[] out = new float[0];
            int end = (int) ((long) blocks * (part + 1) / parts);
            for (int b = (int) ((long) blocks * part / parts); b < end; b++) {
                int from = first[b];
                int to = first[b + 1];
                if (to - from <= SPARSE_PAIRS) { // a row alone reads a quarter of the block's cache lines
                    for (int p = from; p < to; p++) {
                        int row = candidates[pairQuery[p]][pairSlot[p]];
                        keys[pairQuery[p]][pairSlot[p]] = key(exact.dot(row, queries, pairQuery[p] * dim), row);
                    }
                    continue;
                }
                int distinct = 0;
                for (int p = from; p < to; p++) {
                    distinct += p == from || pairQuery[p] != pairQuery[p - 1] ? 1 : 0;
                }
                if (distinct == 0) {
                    continue;
                }
                if (gathered.length < distinct * dim) {
                    gathered = new float[distinct * dim];
                    out = new float[distinct * PackedRows.BLOCK];
                }
                for (int p = from, i = 0; p < to; p++) {
                    if (p == from || pairQuery[p] != pairQuery[p - 1]) {
                        System.arraycopy(queries, pairQuery[p] * dim, gathered, i++ * dim, dim);
                    }
                }
                kernel.scores(gathered, 0, distinct, exact, b, out);
                for (int p = from, i = -1; p < to; p++) {
                    if (p == from || pairQuery[p] != pairQuery[p - 1]) {
                        i++;
                    }
                    int row = candidates[pairQuery[p]][pairSlot[p]];
                    keys[pairQuery[p]][pairSlot[p]] = key(out[i * PackedRows.BLOCK + row % PackedRows.BLOCK], row);
                }
            }
        });
        return keys;
    }

    /** Scores queries {@code start … start+count−1} against gallery block {@code block} into {@code out}. */
    @FunctionalInterface
    private interface BlockScorer {
        void score(int start, int count, int block, float[] out);
    }

    private static void scan(int numQueries, int galleryRows, int galleryBlocks, DotKernel kernel, BlockScorer scorer,
            IntUnaryOperator kOf, int selfOffset, NeighbourSink sink) {
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        // Big blocks reuse each gallery block from cache; small ones keep every core busy on small inputs. A multiple
        // of 12 fills the kernels' six- and four-query tiles with no single-query leftovers.
        int qb = Math.max(12, Math.min(MAX_QUERY_BLOCK, (numQueries / (4 * threads) + 11) / 12 * 12));
        int queryBlocks = (numQueries + qb - 1) / qb;
        int split = Math.max(1, Math.min(galleryBlocks, (2 * threads + queryBlocks - 1) / queryBlocks));
        IntStream.range(0, queryBlocks).parallel().forEach(b -> {
            int start = b * qb;
            int count = Math.min(numQueries, start + qb) - start;
            int[] ks = new int[count];
            for (int i = 0; i < count; i++) {
                ks[i] = Math.max(0, Math.min(kOf.applyAsInt(start + i), galleryRows));
            }
            TopK[][] lists = new TopK[split][];
            IntStream.range(0, split).parallel().forEach(part -> {
                int from = (int) ((long) galleryBlocks * part / split);
                int to = (int) ((long) galleryBlocks * (part + 1) / split);
                lists[part] = scanRange(kernel, scorer, start, count, ks, galleryRows, from, to, selfOffset);
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
    private static TopK[] scanRange(DotKernel kernel, BlockScorer scorer, int start, int count, int[] ks,
            int galleryRows, int from, int to, int selfOffset) {
        TopK[] top = new TopK[count];
        for (int i = 0; i < count; i++) {
            top[i] = new TopK(ks[i]);
        }
        float[] out = new float[count * PackedRows.BLOCK];
        for (int g = from; g < to; g++) {
            scorer.score(start, count, g, out);
            int base = g * PackedRows.BLOCK;
            int valid = Math.min(PackedRows.BLOCK, galleryRows - base);
            for (int i = 0; i < count; i++) {
                TopK t = top[i];
                int o = i * PackedRows.BLOCK;
                // Only scores above the list's threshold can enter: most blocks have none (one SIMD pass).
                if (t.k == 0 || (!t.open && !kernel.anyAbove(out, o, t.threshold))) {
                    continue;
                }
                int skip = selfOffset < 0 ? -1 : selfOffset + start + i - base;
                t.offerBlock(out, o, valid, base, skip);
            }
        }
        return top;
    }

    /**
     * One query's best {@code k} so far, as a buffer of up to {@code 2k} candidates that is cut back to the best
     * {@code k} (a selection, linear time) whenever it fills; {@code threshold} is then the k-th best score, and
     * only scores above it are taken. Each candidate is one long, ordered as the ranking is (score descending, then
     * gallery index ascending), so selection, merging and sorting compare plain longs.
     */
    private static final class TopK {
        final int k;
        final long[] buf;
        int size;
        /** Until the buffer is first cut back, every score but NaN enters. */
        boolean open = true;
        /** After that, scores at or below this (the k-th best) cannot enter. */
        float threshold = Float.NEGATIVE_INFINITY;
        /** The k-th best key after the last cut: a candidate must rank above it. */
        long thresholdKey = Long.MAX_VALUE;
        int[] idx;
        float[] score;
        int filled;

        TopK(int k) {
            this.k = k;
            this.buf = new long[Math.max(2 * k, 1)];
        }

        /**
         * Takes one block's scores. Gallery rows arrive in increasing index order, so a score equal to the
         * threshold ranks below the k-th best (same score, higher index) and is rightly left out.
         */
        void offerBlock(float[] out, int o, int valid, int base, int skip) {
            for (int j = 0; j < valid; j++) {
                float s = out[o + j];
                if ((open ? s == s : s > threshold) && j != skip) { // NaN scores rank nowhere
                    add(key(s, base + j));
                }
            }
        }

        /** Adds another range's candidates (any order of arrival: the keys carry the whole ranking). */
        void merge(TopK other) {
            for (int e = 0; e < other.size; e++) {
                if (other.buf[e] < thresholdKey) {
                    add(other.buf[e]);
                }
            }
        }

        private void add(long key) {
            buf[size++] = key;
            if (size == buf.length) {
                cut();
            }
        }

        /** Keeps the best k candidates (the k smallest keys) and sets the threshold to the k-th. */
        private void cut() {
            Selection.nth(buf, 0, size - 1, k - 1); // the buffer holds 2k > k candidates here
            size = k;
            thresholdKey = buf[k - 1];
            threshold = scoreOf(thresholdKey);
            open = false;
        }

        /** Ends the scan: the best k, sorted best first, in {@code idx}, {@code score} and {@code filled}. */
        void sort() {
            if (size > k) {
                Selection.nth(buf, 0, size - 1, k - 1);
                size = k;
            }
            Arrays.sort(buf, 0, size);
            idx = new int[k];
            score = new float[k];
            for (int e = 0; e < size; e++) {
                idx[e] = (int) buf[e];
                score[e] = scoreOf(buf[e]);
            }
            filled = size;
        }
    }

    /**
     * A candidate as one long whose natural order is the ranking: the score's bits flipped so that a higher score
     * gives a smaller number, then the gallery index. −0 counts as 0, as float comparison has it.
     */
    static long key(float s, int index) {
        int bits = Float.floatToIntBits(s + 0.0f);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // ascending with the float's value
        return ((long) ~ordered << 32) | index;
    }

    static float scoreOf(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }
}
