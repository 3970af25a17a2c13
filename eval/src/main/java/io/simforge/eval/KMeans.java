package io.simforge.eval;

import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.PackedRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * k-means (Lloyd's algorithm) with k-means++ seeding and a fixed seed, run until no assignment changes
 * (or a safety cap of {@value #MAX_ITERATIONS} iterations, reported in the result).
 *
 * <p>Distances come from inner products, ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖², computed with the blocked
 * {@link DotKernel} in parallel over chunks of points. Lloyd's iterations score a point only against the groups of
 * centres that its bounds cannot rule out (Yinyang k-means: an upper bound on the distance to the own centre, a lower
 * bound per group of 128 centres, both carried across iterations by how far the centres moved), with a margin that
 * covers float rounding, so every iteration assigns exactly what scoring every point against every centre would.
 * Memory is the data, one packed copy of it (for seeding), the centroids, and a lower bound per point and group
 * (at most {@link #MAX_LOWER_BOUNDS} floats: with more, groups span several blocks). Results do not depend on the
 * number of threads.
 */
public final class KMeans {
    /**
     * Result: a cluster per point, the centroids ({@code k × dim}), how many iterations it took, how the time split
     * between k-means++ seeding and Lloyd's iterations (seconds, for benchmarks), and each iteration's work.
     */
    public record Result(int[] assignments, float[] centroids, int iterations, boolean converged,
            double seedingSeconds, double lloydSeconds, List<Iteration> trace) {}

    /**
     * One Lloyd iteration: points its bounds settled without scoring, (point, group of centres) pairs scored, how many
     * points changed cluster, and its seconds (assignment and centre update).
     */
    public record Iteration(int settledPoints, long scoredGroups, int changed, double seconds) {}

    static final int MAX_ITERATIONS = 300;

    private KMeans() {}

    /**
     * @param data row-major {@code n × dim}
     */
    public static Result fit(float[] data, int dim, int k, long seed) {
        if (dim <= 0 || data.length % dim != 0) {
            throw new IllegalArgumentException("data length " + data.length + " is not a multiple of dimension " + dim);
        }
        int n = data.length / dim;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k-means needs 1 <= k <= number of points, got k = " + k + " for " + n + " points");
        }
        double[] norms = new double[n];
        IntStream.range(0, n).parallel().forEach(i -> norms[i] = dot(data, i * dim, data, i * dim, dim));
        Random random = new Random(seed);
        long t0 = System.nanoTime();
        Bounds bounds = new Bounds(n, (k + PackedRows.BLOCK - 1) / PackedRows.BLOCK);
        float[] centroids = seed(data, dim, n, k, norms, random, bounds);
        long t1 = System.nanoTime();
        List<Iteration> trace = new ArrayList<>();
        long[] work = new long[2];
        for (int it = 1; it <= MAX_ITERATIONS; it++) {
            long start = System.nanoTime();
            int changed;
            if (it == 1 && bounds.assign[0] >= 0) { // the seeding's passes already scored every point against every centre
                changed = n;
                work[0] = 0;
                work[1] = (long) n * bounds.groups;
            } else {
                changed = assign(data, dim, n, norms, centroids, k, bounds, work);
            }
            if (changed == 0) {
                trace.add(new Iteration((int) work[0], work[1], 0, (System.nanoTime() - start) / 1e9));
                return new Result(bounds.assign, centroids, it, true, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9,
                        List.copyOf(trace));
            }
            float[] before = centroids.clone();
            update(data, dim, n, centroids, k, bounds.assign);
            bounds.centresMoved(before, centroids, dim, k);
            trace.add(new Iteration((int) work[0], work[1], changed, (System.nanoTime() - start) / 1e9));
        }
        return new Result(bounds.assign, centroids, MAX_ITERATIONS, false, (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9, List.copyOf(trace));
    }

    /** Centres added between two refreshes of the squared distances (one compute-bound kernel pass over the points). */
    static final int SEED_BATCH = 64;

    /**
     * k-means++: each next centre is drawn with probability proportional to its squared distance to the nearest
     * centre so far.
     *
     * <p>Drawn exactly, but without a pass over all points per centre (that pass is bound by memory bandwidth and was
     * most of the time at SOP size): the points' distances {@code stale} are refreshed only every {@link #SEED_BATCH}
     * centres, in one blocked kernel pass; in between, a candidate is proposed with probability proportional to its
     * stale distance (an upper bound of its current one) and accepted with probability current / stale, its current
     * distance computed against the few centres added since the refresh. Rejection sampling of this kind draws from
     * the current distribution exactly, and uses only {@code random}, so the seeding is deterministic for a seed.
     */
    static float[] seedPlusPlus(float[] data, int dim, int n, int k, double[] norms, Random random) {
        return seed(data, dim, n, k, norms, random, null);
    }

    /**
     * {@link #seedPlusPlus}, and when {@code first} is given (and k > 1) also Lloyd's first assignment with its bounds,
     * from the same kernel passes: the refreshes score every point against every centre exactly once, in ascending
     * centre order, with the very floats an assignment pass would compute (a pair's score is one multiply-add chain
     * whichever side is packed), so this saves one full pass over points × centres.
     */
    private static float[] seed(float[] data, int dim, int n, int k, double[] norms, Random random, Bounds first) {
        float[] c = new float[k * dim];
        System.arraycopy(data, random.nextInt(n) * dim, c, 0, dim);
        if (k == 1) {
            return c;
        }
        PackedRows points = PackedRows.pack(data, n, dim);
        FirstAssignment tracker = first == null ? null : new FirstAssignment(n, first);
        double[] stale = new double[n];
        Arrays.fill(stale, Double.POSITIVE_INFINITY);
        double[] cumulative = new double[n];
        int refreshed = 0; // centres 0 … refreshed−1 are in stale
        boolean forceRefresh = true;
        int j = 1;
        while (j < k) {
            if (forceRefresh || j - refreshed >= SEED_BATCH) {
                forceRefresh = false;
                refresh(c, refreshed, j, dim, points, norms, stale, tracker);
                refreshed = j;
                double total = 0;
                for (int i = 0; i < n; i++) {
                    total += stale[i];
                    cumulative[i] = total;
                }
            }
            double total = cumulative[n - 1];
            int pick = -1;
            if (total <= 0) {
                pick = random.nextInt(n); // all points coincide with a centre
            } else {
                for (int tries = 0; tries < 4 * SEED_BATCH && pick < 0; tries++) {
                    int candidate = lowerBound(cumulative, random.nextDouble() * total);
                    double current = distance(data, candidate, dim, norms[candidate], c, refreshed, j, stale[candidate]);
                    if (random.nextDouble() * stale[candidate] < current) {
                        pick = candidate;
                    }
                }
                if (pick < 0) { // the distances have shrunk a lot since the refresh: refresh and draw again
                    forceRefresh = true;
                    continue;
                }
            }
            System.arraycopy(data, pick * dim, c, j * dim, dim);
            j++;
        }
        if (tracker != null) {
            refresh(c, refreshed, k, dim, points, norms, stale, tracker);
            tracker.finish(c, k, dim, norms);
        }
        return c;
    }

    /**
     * Lloyd's first assignment gathered during seeding: per point the best score ‖c‖²/2 − x·c so far (ties: the lower
     * index, as centres arrive in ascending order), the best other score within the best centre's group, and per group
     * the best score (kept in {@code bounds.lower} until {@link #finish} turns scores into distance bounds).
     */
    private static final class FirstAssignment {
        final Bounds bounds;
        final float[] best;
        final float[] second;
        final int[] bestGroup;

        FirstAssignment(int n, Bounds bounds) {
            this.bounds = bounds;
            best = new float[n];
            second = new float[n];
            bestGroup = new int[n];
            Arrays.fill(best, Float.POSITIVE_INFINITY);
            Arrays.fill(second, Float.POSITIVE_INFINITY);
            Arrays.fill(bounds.lower, Float.POSITIVE_INFINITY);
        }

        /**
         * Takes a run of centres of group {@code g}, all after those offered so far: their best score {@code d1} (centre
         * {@code centre}) and second best {@code d2}.
         */
        void offer(int i, int g, float d1, int centre, float d2) {
            int at = i * bounds.groups + g;
            if (d1 < best[i]) {
                // The others of group g: those offered before (the old best among them, if it is in g) and d2.
                second[i] = Math.min(bounds.lower[at], d2);
                best[i] = d1;
                bounds.assign[i] = centre;
                bestGroup[i] = g;
            } else if (g == bestGroup[i]) {
                second[i] = Math.min(second[i], d1);
            }
            bounds.lower[at] = Math.min(bounds.lower[at], d1);
        }

        /** Scores to bounds on distances, widened by the rounding margin as {@link #assign} does. */
        void finish(float[] c, int k, int dim, double[] norms) {
            double maxNorm = 0;
            for (int j = 0; j < k; j++) {
                maxNorm = Math.max(maxNorm, Math.sqrt(dot(c, j * dim, c, j * dim, dim)));
            }
            double cmax = maxNorm;
            int groups = bounds.groups;
            IntStream.range(0, best.length).parallel().forEach(i -> {
                double margin = roundingMargin(dim, Math.sqrt(norms[i]), cmax);
                bounds.upper[i] = Math.sqrt(Math.max(0, norms[i] + 2.0 * best[i]) + margin);
                for (int g = 0; g < groups; g++) {
                    float other = g == bestGroup[i] ? second[i] : bounds.lower[i * groups + g];
                    bounds.lower[i * groups + g] = other == Float.POSITIVE_INFINITY ? Float.POSITIVE_INFINITY
                            : roundDown(Math.sqrt(Math.max(0, norms[i] + 2.0 * other - margin)));
                }
            });
        }
    }

    /**
     * {@code stale[i] = min(stale[i], ‖x_i − c_j‖²)} over centres {@code from … to−1}, blocked over points, from the
     * float scores ‖c‖²/2 − x·c that Lloyd's assignment compares (one comparison per pair, the distance computed once
     * per point); and with {@code first}, each group's share of Lloyd's first assignment.
     */
    private static void refresh(float[] c, int from, int to, int dim, PackedRows points, double[] norms, double[] stale,
            FirstAssignment first) {
        int count = to - from;
        if (count == 0) {
            return;
        }
        float[] half = new float[count]; // as assign computes it
        for (int j = 0; j < count; j++) {
            half[j] = (float) (dot(c, (from + j) * dim, c, (from + j) * dim, dim) / 2);
        }
        final int bs = PackedRows.BLOCK;
        DotKernel kernel = DotKernel.best();
        IntStream.range(0, points.blocks()).parallel().forEach(b -> {
            float[] out = new float[count * bs];
            kernel.scores(c, from, count, points, b, out);
            int base = b * bs;
            int rows = points.rowsInBlock(b);
            float[] nearest = new float[bs];
            Arrays.fill(nearest, Float.POSITIVE_INFINITY);
            float[] best = new float[bs];
            float[] second = new float[bs];
            int[] bestIdx = new int[bs];
            int j = 0;
            while (j < count) {
                // Centres of one group at a time (a batch spans at most a few), in ascending order.
                int end = first == null ? count : Math.min(count, first.bounds.groupEnd(from + j) - from);
                Arrays.fill(best, Float.POSITIVE_INFINITY);
                Arrays.fill(second, Float.POSITIVE_INFINITY);
                int group = j;
                for (; j < end; j++) {
                    int o = j * bs;
                    float h = half[j];
                    for (int i = 0; i < rows; i++) {
                        float d = h - out[o + i];
                        if (d < best[i]) { // strict: a tie keeps the lower index
                            second[i] = best[i];
                            best[i] = d;
                            bestIdx[i] = from + j;
                        } else if (d < second[i]) {
                            second[i] = d;
                        }
                    }
                }
                for (int i = 0; i < rows; i++) {
                    nearest[i] = Math.min(nearest[i], best[i]);
                    if (first != null && best[i] < Float.POSITIVE_INFINITY) {
                        first.offer(base + i, first.bounds.groupOf(from + group), best[i], bestIdx[i], second[i]);
                    }
                }
            }
            for (int i = 0; i < rows; i++) {
                if (nearest[i] < Float.POSITIVE_INFINITY) {
                    stale[base + i] = Math.min(stale[base + i], Math.max(0, norms[base + i] + 2.0 * nearest[i]));
                }
            }
        });
    }

    /** Point {@code i}'s squared distance to its nearest centre: {@code stale} or one of centres {@code from … to−1}. */
    private static double distance(float[] data, int i, int dim, double norm, float[] c, int from, int to,
            double stale) {
        double best = stale;
        for (int j = from; j < to; j++) {
            double d = Math.max(0, norm - 2 * dot(data, i * dim, c, j * dim, dim) + dot(c, j * dim, c, j * dim, dim));
            best = Math.min(best, d);
        }
        return best;
    }

    /** The first index whose cumulative weight exceeds {@code target} (a point of weight 0 is never chosen). */
    private static int lowerBound(double[] cumulative, double target) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Each point's centre and Yinyang's bounds on Euclidean distances: {@code upper[i]} ≥ the distance to its own
     * centre, and for each group of centres (consecutive packed blocks) {@code lower[i·groups + g]} ≤ the distance to
     * every centre of group g other than its own. Carried across iterations by how far the centres moved: the own
     * centre's move for the upper bound, the group's largest move for each lower bound, so a group whose centres
     * stood still keeps its bound (Hamerly's single lower bound drops by the largest move of all k centres).
     */
    private static final class Bounds {
        final int[] assign;
        final double[] upper;
        final float[] lower;
        final int groups;
        final int blocksPerGroup;

        Bounds(int n, int centreBlocks) {
            assign = new int[n];
            Arrays.fill(assign, -1); // no centre yet: every point is scored in the first iteration
            upper = new double[n];
            // Groups of whole blocks, few enough that the lower bounds stay within MAX_LOWER_BOUNDS floats.
            int most = (int) Math.max(1, Math.min(centreBlocks, MAX_LOWER_BOUNDS / Math.max(1, n)));
            blocksPerGroup = (centreBlocks + most - 1) / most;
            groups = (centreBlocks + blocksPerGroup - 1) / blocksPerGroup;
            lower = new float[n * groups];
        }

        int groupOf(int centre) {
            return centre / PackedRows.BLOCK / blocksPerGroup;
        }

        /** The first centre of the group after {@code centre}'s. */
        int groupEnd(int centre) {
            return (groupOf(centre) + 1) * blocksPerGroup * PackedRows.BLOCK;
        }

        /** Carries the bounds over the centres' move (triangle inequality). */
        void centresMoved(float[] before, float[] after, int dim, int k) {
            double[] moved = new double[k];
            double[] groupMoved = new double[groups];
            for (int j = 0; j < k; j++) {
                moved[j] = Math.sqrt(squaredDistance(before, j * dim, after, j * dim, dim)) * (1 + 1e-12);
                int g = groupOf(j);
                groupMoved[g] = Math.max(groupMoved[g], moved[j]);
            }
            IntStream.range(0, assign.length).parallel().forEach(i -> {
                if (assign[i] >= 0) {
                    upper[i] += moved[assign[i]];
                    for (int g = 0; g < groups; g++) {
                        if (groupMoved[g] > 0) {
                            lower[i * groups + g] = roundDown(lower[i * groups + g] - groupMoved[g]);
                        }
                    }
                }
            });
        }
    }

    /** Most lower bounds kept (points × groups of centres): 128 MiB of floats. */
    static final long MAX_LOWER_BOUNDS = 1L << 25;

    /** Points scored together: each group of centres is scored against the chunk's points that need it. */
    private static final int CHUNK = 1024;

    /** The largest float at most {@code v}: a lower bound stored as float stays a lower bound. */
    private static float roundDown(double v) {
        float f = (float) v;
        return f > v ? Math.nextDown(f) : f;
    }

    /**
     * Assigns every point to its nearest centroid (ties: the lower index); returns how many assignments changed and
     * counts the work in {@code work}. A point is scored only against the groups of centres its bounds cannot rule out
     * (always including its own centre's group, so the own centre's score is the one the others compete with); a
     * group is ruled out only with a margin of {@link #roundingMargin} on squared distances, so each point gets
     * exactly the centre that scoring it against every centre would give.
     */
    private static int assign(float[] data, int dim, int n, double[] norms, float[] centroids, int k, Bounds bounds,
            long[] work) {
        PackedRows centres = PackedRows.pack(centroids, k, dim);
        float[] half = new float[k]; // ‖c‖²/2: argmin ‖x − c‖² = argmin (‖c‖²/2 − x·c)
        double maxNorm = 0;
        for (int j = 0; j < k; j++) {
            double norm = dot(centroids, j * dim, centroids, j * dim, dim);
            half[j] = (float) (norm / 2);
            maxNorm = Math.max(maxNorm, Math.sqrt(norm));
        }
        double cmax = maxNorm;
        int groups = bounds.groups;
        int[] assign = bounds.assign;
        double[] upper = bounds.upper;
        float[] lower = bounds.lower;
        boolean[] todo = new boolean[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            int a = assign[i];
            if (a < 0) {
                todo[i] = true;
                return;
            }
            double margin = roundingMargin(dim, Math.sqrt(norms[i]), cmax);
            double nearestOther = Double.POSITIVE_INFINITY;
            for (int g = 0; g < groups; g++) {
                nearestOther = Math.min(nearestOther, lower[i * groups + g]);
            }
            if (rulesOut(nearestOther, upper[i], margin)) {
                return;
            }
            upper[i] = Math.sqrt(squaredDistance(data, i * dim, centroids, a * dim, dim)) * (1 + 1e-12);
            todo[i] = !rulesOut(nearestOther, upper[i], margin);
        });
        int[] rows = IntStream.range(0, n).filter(i -> todo[i]).toArray();
        DotKernel kernel = DotKernel.best();
        int chunks = (rows.length + CHUNK - 1) / CHUNK;
        long[] scored = new long[chunks];
        int changed = IntStream.range(0, chunks).parallel().map(c -> {
            int start = c * CHUNK;
            int count = Math.min(rows.length, start + CHUNK) - start;
            // Which points of the chunk each group must be scored against.
            int[][] members = new int[groups][count];
            int[] size = new int[groups];
            boolean[] wanted = new boolean[count * groups];
            double[] margin = new double[count];
            for (int p = 0; p < count; p++) {
                int i = rows[start + p];
                margin[p] = roundingMargin(dim, Math.sqrt(norms[i]), cmax);
                int own = assign[i] < 0 ? -1 : bounds.groupOf(assign[i]);
                for (int g = 0; g < groups; g++) {
                    if (own < 0 || g == own || !rulesOut(lower[i * groups + g], upper[i], margin[p])) {
                        members[g][size[g]++] = p;
                        wanted[p * groups + g] = true;
                    }
                }
            }
            // Per point: the best score so far, and per scored group its two best (for the group's lower bound).
            float[] best = new float[count];
            int[] bestIdx = new int[count];
            Arrays.fill(best, Float.POSITIVE_INFINITY);
            float[] first = new float[count * groups];
            int[] firstIdx = new int[count * groups];
            float[] second = new float[count * groups];
            float[] x = new float[count * dim];
            float[] out = new float[count * PackedRows.BLOCK];
            long pairs = 0;
            for (int g = 0; g < groups; g++) {
                int m = size[g];
                if (m == 0) {
                    continue;
                }
                pairs += m;
                for (int e = 0; e < m; e++) {
                    System.arraycopy(data, rows[start + members[g][e]] * dim, x, e * dim, dim);
                    int at = members[g][e] * groups + g;
                    first[at] = Float.POSITIVE_INFINITY;
                    second[at] = Float.POSITIVE_INFINITY;
                }
                int toBlock = Math.min(centres.blocks(), (g + 1) * bounds.blocksPerGroup);
                for (int cb = g * bounds.blocksPerGroup; cb < toBlock; cb++) {
                    kernel.scores(x, 0, m, centres, cb, out);
                    int base = cb * PackedRows.BLOCK;
                    int valid = centres.rowsInBlock(cb);
                    for (int e = 0; e < m; e++) {
                        int p = members[g][e];
                        int at = p * groups + g;
                        int o = e * PackedRows.BLOCK;
                        float f1 = first[at];
                        float f2 = second[at];
                        int i1 = firstIdx[at];
                        for (int j = 0; j < valid; j++) {
                            float d = half[base + j] - out[o + j];
                            if (d < f1) {
                                f2 = f1;
                                f1 = d;
                                i1 = base + j;
                            } else if (d < f2) {
                                f2 = d;
                            }
                        }
                        first[at] = f1;
                        second[at] = f2;
                        firstIdx[at] = i1;
                        if (f1 < best[p]) { // groups in ascending order: a tie keeps the lower index
                            best[p] = f1;
                            bestIdx[p] = i1;
                        }
                    }
                }
            }
            scored[c] = pairs;
            int moved = 0;
            for (int p = 0; p < count; p++) {
                int i = rows[start + p];
                double norm = norms[i];
                // Scores are (‖x − c‖² − ‖x‖²)/2, each within margin/2 of exact: widen the bounds by that much.
                upper[i] = Math.sqrt(Math.max(0, norm + 2.0 * best[p]) + margin[p]);
                for (int g = 0; g < groups; g++) {
                    int at = p * groups + g;
                    if (!wanted[at]) {
                        continue; // ruled out: its lower bound still holds
                    }
                    float other = firstIdx[at] == bestIdx[p] ? second[at] : first[at];
                    lower[i * groups + g] = other == Float.POSITIVE_INFINITY ? Float.POSITIVE_INFINITY
                            : roundDown(Math.sqrt(Math.max(0, norm + 2.0 * other - margin[p])));
                }
                if (assign[i] != bestIdx[p]) {
                    assign[i] = bestIdx[p];
                    moved++;
                }
            }
            return moved;
        }).sum();
        work[0] = n - rows.length;
        work[1] = Arrays.stream(scored).sum();
        return changed;
    }

    /**
     * True when every centre at distance at least {@code lower} is farther than the own centre (distance at most
     * {@code upper}) by more than rounding can blur: the squared distances differ by more than {@code margin}.
     */
    private static boolean rulesOut(double lower, double upper, double margin) {
        return lower > upper && lower * lower - upper * upper > margin;
    }

    /**
     * Twice the largest error of a float score ‖c‖²/2 − x·c over {@code dim} fused multiply-adds (relative error
     * at most (dim + 2)·2⁻²⁴ of ‖x‖·‖c‖ + ‖c‖²), as a margin on squared distances.
     */
    static double roundingMargin(int dim, double xNorm, double maxCentreNorm) {
        return 4.0 * (dim + 2) * 0x1p-24 * (xNorm + maxCentreNorm) * maxCentreNorm + 1e-30;
    }

    private static void update(float[] data, int dim, int n, float[] centroids, int k, int[] assign) {
        double[] sums = new double[k * dim];
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            int j = assign[i];
            counts[j]++;
            for (int d = 0; d < dim; d++) {
                sums[j * dim + d] += data[i * dim + d];
            }
        }
        double[] far = null; // each point's distance to its centre, computed only if a cluster is empty
        for (int j = 0; j < k; j++) {
            if (counts[j] > 0) {
                continue;
            }
            if (far == null) {
                double[] f = new double[n];
                IntStream.range(0, n).parallel().forEach(i -> f[i] = squaredDistance(data, i * dim, centroids,
                        assign[i] * dim, dim));
                far = f;
            }
            // An empty cluster takes the point farthest from its centre (each point at most once).
            int pick = 0;
            for (int i = 1; i < n; i++) {
                if (far[i] > far[pick]) {
                    pick = i;
                }
            }
            far[pick] = -1;
            System.arraycopy(data, pick * dim, centroids, j * dim, dim);
        }
        for (int j = 0; j < k; j++) {
            if (counts[j] == 0) {
                continue;
            }
            for (int d = 0; d < dim; d++) {
                centroids[j * dim + d] = (float) (sums[j * dim + d] / counts[j]);
            }
        }
    }

    private static double dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) a[aOff + d] * b[bOff + d];
        }
        return s;
    }

    static double squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            double t = a[aOff + d] - b[bOff + d];
            s += t * t;
        }
        return s;
    }
}
