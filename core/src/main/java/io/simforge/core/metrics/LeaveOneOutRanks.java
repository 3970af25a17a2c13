package io.simforge.core.metrics;

import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.PackedRows;
import io.simforge.core.metrics.RetrievalMetrics.QueryOutcome;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Leave-one-out retrieval metrics without neighbour lists: each query's outcome follows from the ranks of its
 * relevant items alone, and the rank of relevant item r is the number of other items ranked above it. So instead of
 * keeping the top 1,000 of every query, this scores each query against its few relevant items first (their order
 * fixed), then counts, over one pass of all pairs, the non-relevant items that rank above each relevant item.
 *
 * <p>Two things make the pass cheap. The score matrix is symmetric, so each pair is scored once (blocks {@code b ≥ a}
 * of the packed embeddings) and counted for both of its queries; both directions see the very same float, which is
 * the one a one-sided search would compute (the kernel's score of a pair is one multiply-add chain over the
 * dimensions, whatever the pair's place in the tile). And a query stops counting for a relevant item once that item
 * provably ranks too low to matter (beyond R for MAP@R and R-Precision, beyond the largest K for the first hit), so
 * nearly every block of scores is passed over after one SIMD comparison with the query's threshold.
 *
 * <p>Ranking order as everywhere: score descending, then lower index; NaN scores rank nowhere. Memory: one long per
 * relevant pair, and one int per relevant pair and per task for the counts ({@link #fits} bounds it).
 */
final class LeaveOneOutRanks {
    /** Most relevant (query, item) pairs this method takes on; beyond, RetrievalMetrics streams top-k lists. */
    static final long MAX_RELEVANT_PAIRS = 1L << 23;

    private LeaveOneOutRanks() {}

    /** Whether the labels' class sizes keep the relevant pairs within {@link #MAX_RELEVANT_PAIRS}. */
    static boolean fits(int[] labels) {
        Map<Integer, Integer> sizes = new HashMap<>();
        for (int y : labels) {
            sizes.merge(y, 1, Integer::sum);
        }
        long pairs = 0;
        for (int m : sizes.values()) {
            pairs += (long) m * (m - 1);
        }
        return pairs <= MAX_RELEVANT_PAIRS;
    }

    /**
     * Every query's outcome, leave-one-out over {@code embeddings} (the rows of {@code packed}).
     *
     * @param maxK the largest K of Recall@K: a first hit at rank maxK or beyond is only known to be there
     * @param ranking whether MAP@R and R-Precision are wanted (otherwise only the first hit is tracked)
     */
    static QueryOutcome[] outcomes(float[] embeddings, PackedRows packed, int[] labels, int maxK, boolean ranking) {
        int n = labels.length;
        Relevant rel = Relevant.of(embeddings, packed.dim(), labels);
        // A few tasks per thread (the pool's workers and the caller), so a thread slowed by other work leaves no core idle.
        int tasks = Math.min(packed.blocks(), 4 * (ForkJoinPool.getCommonPoolParallelism() + 1));
        Counts[] counts = IntStream.range(0, tasks).parallel().mapToObj(t -> {
            Counts c = new Counts(rel, n, maxK, ranking);
            c.scan(embeddings, packed, labels, t, tasks);
            return c;
        }).toArray(Counts[]::new);
        int[] above = new int[rel.keys.length];
        for (Counts c : counts) {
            for (int e = 0; e < above.length; e++) {
                above[e] += c.bucket[e];
            }
        }
        QueryOutcome[] out = new QueryOutcome[n];
        for (int q = 0; q < n; q++) {
            out[q] = outcome(rel, above, q, maxK, ranking);
        }
        return out;
    }

    /**
     * A query's outcome from its counts: {@code above[start + p]} counts the non-relevant items ranked between
     * relevant items p−1 and p, so relevant item p (0-based) has rank p + (those counts summed up to p). A count that
     * reached its cap is a lower bound (counting stopped), which still decides the metrics.
     */
    private static QueryOutcome outcome(Relevant rel, int[] above, int q, int maxK, boolean ranking) {
        int start = rel.start[q];
        int r = rel.start[q + 1] - start;
        int ranked = rel.ranked[q];
        if (ranked == 0) {
            return new QueryOutcome(Integer.MAX_VALUE, r, 0, 0);
        }
        int firstHit = above[start];
        if (!ranking) {
            return new QueryOutcome(firstHit, r, 0, 0);
        }
        long before = 0;
        int hits = 0;
        double precisionSum = 0;
        for (int p = 0; p < ranked; p++) {
            before += above[start + p];
            long rank = p + before;
            if (rank >= r) {
                break;
            }
            hits++;
            precisionSum += hits / (double) (rank + 1);
        }
        return new QueryOutcome(firstHit, r, precisionSum / r, hits / (double) r);
    }

    /**
     * Each query's relevant items as ranking keys, best first: {@code keys[start[q] … start[q+1]−1]}, of which the first
     * {@code ranked[q]} have a score (NaN ones rank nowhere and come last).
     */
    private record Relevant(long[] keys, int[] start, int[] ranked) {
        static Relevant of(float[] x, int dim, int[] labels) {
            int n = labels.length;
            Map<Integer, Integer> classOf = new HashMap<>();
            int[] cls = new int[n];
            for (int i = 0; i < n; i++) {
                cls[i] = classOf.computeIfAbsent(labels[i], y -> classOf.size());
            }
            int classes = classOf.size();
            int[] classStart = new int[classes + 1];
            for (int i = 0; i < n; i++) {
                classStart[cls[i] + 1]++;
            }
            for (int c = 0; c < classes; c++) {
                classStart[c + 1] += classStart[c];
            }
            int[] members = new int[n]; // each class's items in ascending index order
            int[] fill = Arrays.copyOf(classStart, classes);
            for (int i = 0; i < n; i++) {
                members[fill[cls[i]]++] = i;
            }
            int[] start = new int[n + 1];
            for (int i = 0; i < n; i++) {
                start[i + 1] = start[i] + (classStart[cls[i] + 1] - classStart[cls[i]] - 1);
            }
            long[] keys = new long[start[n]];
            int[] ranked = new int[n];
            DotKernel kernel = DotKernel.best();
            IntStream.range(0, classes).parallel().forEach(c -> {
                int m = classStart[c + 1] - classStart[c];
                if (m < 2) {
                    return;
                }
                float[] rows = new float[m * dim];
                for (int a = 0; a < m; a++) {
                    System.arraycopy(x, members[classStart[c] + a] * dim, rows, a * dim, dim);
                }
                // The same kernel as the main pass, so a relevant item's score is bit for bit the one it competes with.
                PackedRows classRows = PackedRows.pack(rows, m, dim);
                int chunk = Math.min(m, 256);
                float[] out = new float[chunk * PackedRows.BLOCK];
                for (int q0 = 0; q0 < m; q0 += chunk) {
                    int count = Math.min(chunk, m - q0);
                    int[] filled = new int[count];
                    for (int b = 0; b < classRows.blocks(); b++) {
                        kernel.scores(rows, q0, count, classRows, b, out);
                        for (int a = 0; a < count; a++) {
                            int q = members[classStart[c] + q0 + a];
                            for (int j = 0; j < classRows.rowsInBlock(b); j++) {
                                int item = members[classStart[c] + b * PackedRows.BLOCK + j];
                                if (item != q) {
                                    keys[start[q] + filled[a]++] = key(out[a * PackedRows.BLOCK + j], item);
                                }
                            }
                        }
                    }
                    for (int a = 0; a < count; a++) {
                        int q = members[classStart[c] + q0 + a];
                        Arrays.sort(keys, start[q], start[q + 1]);
                        int k = start[q];
                        while (k < start[q + 1] && keys[k] != NOWHERE) {
                            k++;
                        }
                        ranked[q] = k - start[q];
                    }
                }
            });
            return new Relevant(keys, start, ranked);
        }
    }

    /**
     * One task's counts over its share of the block pairs: query blocks {@code a ≡ task (mod tasks)}, each against
     * blocks {@code b ≥ a}. Counts of different tasks add up; a task stops counting for a relevant item once its own
     * count proves the item ranks too low, so a merged count at or above the cap is a lower bound, below it exact.
     */
    private static final class Counts {
        final Relevant rel;
        final int[] bucket;
        /** Relevant items 0 … active[q]−1 still need counting (it only shrinks). */
        final int[] active;
        /** Score of relevant item active[q]−1: an item scoring below it cannot matter (+∞ when none is active). */
        final float[] threshold;
        final int maxK;
        final boolean ranking;

        Counts(Relevant rel, int n, int maxK, boolean ranking) {
            this.rel = rel;
            this.bucket = new int[rel.keys.length];
            this.active = new int[n];
            this.threshold = new float[n];
            this.maxK = maxK;
            this.ranking = ranking;
            for (int q = 0; q < n; q++) {
                active[q] = ranking ? rel.ranked[q] : Math.min(1, rel.ranked[q]);
                threshold[q] = active[q] == 0 ? Float.POSITIVE_INFINITY
                        : scoreOf(rel.keys[rel.start[q] + active[q] - 1]);
            }
        }

        void scan(float[] x, PackedRows packed, int[] labels, int task, int tasks) {
            DotKernel kernel = DotKernel.best();
            final int bs = PackedRows.BLOCK;
            float[] out = new float[bs * bs];
            float[] columnMax = new float[bs];
            for (int a = task; a < packed.blocks(); a += tasks) {
                int rowsA = packed.rowsInBlock(a);
                int baseA = a * bs;
                for (int b = a; b < packed.blocks(); b++) {
                    kernel.scores(x, baseA, rowsA, packed, b, out);
                    int rowsB = packed.rowsInBlock(b);
                    int baseB = b * bs;
                    // Queries of block a against items of block b (on the diagonal block, every ordered pair).
                    for (int i = 0; i < rowsA; i++) {
                        int q = baseA + i;
                        if (active[q] == 0 || !kernel.anyAbove(out, i * bs, Math.nextDown(threshold[q]))) {
                            continue;
                        }
                        for (int j = 0; j < rowsB; j++) {
                            float s = out[i * bs + j];
                            if (s >= threshold[q]) {
                                count(q, s, baseB + j, labels);
                                if (active[q] == 0) {
                                    break;
                                }
                            }
                        }
                    }
                    if (b == a) {
                        continue;
                    }
                    // Queries of block b against items of block a: the same scores, read by column.
                    Arrays.fill(columnMax, Float.NEGATIVE_INFINITY);
                    for (int i = 0; i < rowsA; i++) {
                        int o = i * bs;
                        for (int j = 0; j < bs; j++) {
                            columnMax[j] = Math.max(columnMax[j], out[o + j]);
                        }
                    }
                    for (int j = 0; j < rowsB; j++) {
                        int q = baseB + j;
                        // NaN in the maximum hides the column's other scores: look then too.
                        if (active[q] == 0 || columnMax[j] < threshold[q]) {
                            continue;
                        }
                        for (int i = 0; i < rowsA && active[q] > 0; i++) {
                            float s = out[i * bs + j];
                            if (s >= threshold[q]) {
                                count(q, s, baseA + i, labels);
                            }
                        }
                    }
                }
            }
        }

        /** Item {@code item} (score {@code s} ≥ the threshold) ranks above some active relevant item of {@code q}. */
        private void count(int q, float s, int item, int[] labels) {
            if (item == q || labels[item] == labels[q]) {
                return; // the query itself, or a relevant item (those were ordered beforehand)
            }
            int start = rel.start[q];
            int end = start + active[q];
            long k = key(s, item);
            if (k > rel.keys[end - 1]) {
                return; // an equal score with a higher index ranks below
            }
            int pos = Arrays.binarySearch(rel.keys, start, end, k); // never found: the indices differ
            bucket[-pos - 1]++;
            // Drop the relevant items that now provably rank too low (the last ones first: counts only grow).
            int r = rel.start[q + 1] - start;
            long total = 0;
            for (int p = start; p < end; p++) {
                total += bucket[p];
            }
            int act = active[q];
            while (act > 0) {
                int p = act - 1;
                long cap = p == 0 ? (ranking ? Math.max(maxK, r) : maxK) : r - p;
                if (total < cap) {
                    break;
                }
                total -= bucket[start + p];
                act--;
            }
            if (act != active[q]) {
                active[q] = act;
                threshold[q] = act == 0 ? Float.POSITIVE_INFINITY : scoreOf(rel.keys[start + act - 1]);
            }
        }
    }

    /** Keys of NaN scores: after every other key. */
    private static final long NOWHERE = Long.MAX_VALUE;

    /**
     * A candidate as one long whose natural order is the ranking: the score's bits flipped so that a higher score
     * gives a smaller number, then the index. −0 counts as 0, as float comparison has it.
     */
    static long key(float s, int index) {
        if (Float.isNaN(s)) {
            return NOWHERE;
        }
        int bits = Float.floatToIntBits(s + 0.0f);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | index;
    }

    static float scoreOf(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }
}
