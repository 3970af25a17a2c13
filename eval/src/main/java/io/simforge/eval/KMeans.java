package io.simforge.eval;

import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * k-means (Lloyd's algorithm) with k-means++ seeding and a fixed seed, run until no assignment changes
 * (or a safety cap of {@value #MAX_ITERATIONS} iterations, reported in the result).
 *
 * <p>Distances come from inner products, ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖², computed with the blocked
 * {@link DotKernel} in parallel over blocks of points. Lloyd's iterations skip the points that provably keep their
 * centre (Hamerly's bounds: an upper bound on the distance to the own centre, a lower bound on the distance to any
 * other, both carried across iterations by how far the centres moved), with a margin that covers float rounding,
 * so every iteration assigns exactly what scoring every point against every centre would. Memory is the data, one
 * packed copy of it (for seeding), the centroids, and a few numbers per point. Results do not depend on the number
 * of threads.
 */
public final class KMeans {
    /**
     * Result: a cluster per point, the centroids ({@code k × dim}), how many iterations it took, and how the time
     * split between k-means++ seeding and Lloyd's iterations (seconds, for benchmarks).
     */
    public record Result(int[] assignments, float[] centroids, int iterations, boolean converged,
            double seedingSeconds, double lloydSeconds) {}

    static final int MAX_ITERATIONS = 300;
    private static final int POINT_BLOCK = 256;

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
        float[] centroids = seedPlusPlus(data, dim, n, k, norms, random);
        long t1 = System.nanoTime();
        Bounds bounds = new Bounds(n);
        for (int it = 1; it <= MAX_ITERATIONS; it++) {
            boolean changed = assign(data, dim, n, norms, centroids, k, bounds);
            if (!changed) {
                return new Result(bounds.assign, centroids, it, true, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
            }
            float[] before = centroids.clone();
            update(data, dim, n, centroids, k, bounds.assign);
            bounds.centresMoved(before, centroids, dim, k);
        }
        int[] assign = bounds.assign;
        return new Result(assign, centroids, MAX_ITERATIONS, false, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
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
        float[] c = new float[k * dim];
        System.arraycopy(data, random.nextInt(n) * dim, c, 0, dim);
        if (k == 1) {
            return c;
        }
        PackedRows points = PackedRows.pack(data, n, dim);
        double[] stale = new double[n];
        Arrays.fill(stale, Double.POSITIVE_INFINITY);
        double[] cumulative = new double[n];
        int refreshed = 0; // centres 0 … refreshed−1 are in stale
        boolean forceRefresh = true;
        int j = 1;
        while (j < k) {
            if (forceRefresh || j - refreshed >= SEED_BATCH) {
                forceRefresh = false;
                refresh(c, refreshed, j, dim, points, norms, stale);
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
        return c;
    }

    /** {@code stale[i] = min(stale[i], ‖x_i − c_j‖²)} over centres {@code from … to−1}, blocked over points. */
    private static void refresh(float[] c, int from, int to, int dim, PackedRows points, double[] norms, double[] stale) {
        int count = to - from;
        double[] centreNorms = new double[count];
        for (int j = 0; j < count; j++) {
            centreNorms[j] = dot(c, (from + j) * dim, c, (from + j) * dim, dim);
        }
        DotKernel kernel = DotKernel.best();
        IntStream.range(0, points.blocks()).parallel().forEach(b -> {
            float[] out = new float[count * PackedRows.BLOCK];
            kernel.scores(c, from, count, points, b, out);
            int base = b * PackedRows.BLOCK;
            for (int i = 0; i < points.rowsInBlock(b); i++) {
                double best = stale[base + i];
                for (int j = 0; j < count; j++) {
                    double d = Math.max(0, norms[base + i] - 2 * out[j * PackedRows.BLOCK + i] + centreNorms[j]);
                    if (d < best) {
                        best = d;
                    }
                }
                stale[base + i] = best;
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
     * Each point's centre and Hamerly's bounds on Euclidean distances: {@code upper[i]} ≥ the distance to its own
     * centre, {@code lower[i]} ≤ the distance to every other centre.
     */
    private static final class Bounds {
        final int[] assign;
        final double[] upper;
        final double[] lower;

        Bounds(int n) {
            assign = new int[n];
            Arrays.fill(assign, -1); // no centre yet: every point is scored in the first iteration
            upper = new double[n];
            lower = new double[n];
        }

        /** Carries the bounds over the centres' move (triangle inequality). */
        void centresMoved(float[] before, float[] after, int dim, int k) {
            double[] moved = new double[k];
            int far = 0;
            for (int j = 0; j < k; j++) {
                moved[j] = Math.sqrt(squaredDistance(before, j * dim, after, j * dim, dim)) * (1 + 1e-12);
                if (moved[j] > moved[far]) {
                    far = j;
                }
            }
            double second = 0;
            for (int j = 0; j < k; j++) {
                if (j != far) {
                    second = Math.max(second, moved[j]);
                }
            }
            int top = far;
            double max = moved[far];
            double next = second;
            IntStream.range(0, assign.length).parallel().forEach(i -> {
                if (assign[i] >= 0) {
                    upper[i] += moved[assign[i]];
                    lower[i] -= assign[i] == top ? next : max;
                }
            });
        }
    }

    /**
     * Assigns every point to its nearest centroid (ties: the lower index); true when any assignment changed. A point
     * is scored against every centre only when its bounds cannot prove it keeps its centre; the proof demands a
     * margin of {@link #roundingMargin} on squared distances, so a near-tie is always scored as in plain Lloyd.
     */
    private static boolean assign(float[] data, int dim, int n, double[] norms, float[] centroids, int k,
            Bounds bounds) {
        PackedRows centres = PackedRows.pack(centroids, k, dim);
        float[] half = new float[k]; // ‖c‖²/2: argmin ‖x − c‖² = argmin (‖c‖²/2 − x·c)
        double[] centreNorms = new double[k];
        double maxNorm = 0;
        for (int j = 0; j < k; j++) {
            centreNorms[j] = dot(centroids, j * dim, centroids, j * dim, dim);
            half[j] = (float) (centreNorms[j] / 2);
            maxNorm = Math.max(maxNorm, Math.sqrt(centreNorms[j]));
        }
        double cmax = maxNorm;
        double[] nearestOther = nearestOtherCentre(centroids, centres, centreNorms, dim, k, cmax);
        int[] assign = bounds.assign;
        double[] upper = bounds.upper;
        double[] lower = bounds.lower;
        boolean[] todo = new boolean[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            int a = assign[i];
            if (a < 0) {
                todo[i] = true;
                return;
            }
            double margin = roundingMargin(dim, Math.sqrt(norms[i]), cmax);
            if (provablyKeeps(upper[i], lower[i], nearestOther[a], margin)) {
                return;
            }
            upper[i] = Math.sqrt(squaredDistance(data, i * dim, centroids, a * dim, dim)) * (1 + 1e-12);
            todo[i] = !provablyKeeps(upper[i], lower[i], nearestOther[a], margin);
        });
        int[] rows = IntStream.range(0, n).filter(i -> todo[i]).toArray();
        DotKernel kernel = DotKernel.best();
        int blocks = (rows.length + POINT_BLOCK - 1) / POINT_BLOCK;
        return IntStream.range(0, blocks).parallel().map(b -> {
            int start = b * POINT_BLOCK;
            int count = Math.min(rows.length, start + POINT_BLOCK) - start;
            float[] x = new float[count * dim];
            for (int i = 0; i < count; i++) {
                System.arraycopy(data, rows[start + i] * dim, x, i * dim, dim);
            }
            float[] out = new float[count * PackedRows.BLOCK];
            float[] best = new float[count];
            float[] second = new float[count];
            int[] bestIdx = new int[count];
            Arrays.fill(best, Float.POSITIVE_INFINITY);
            Arrays.fill(second, Float.POSITIVE_INFINITY);
            for (int cb = 0; cb < centres.blocks(); cb++) {
                kernel.scores(x, 0, count, centres, cb, out);
                int base = cb * PackedRows.BLOCK;
                int valid = centres.rowsInBlock(cb);
                for (int i = 0; i < count; i++) {
                    int o = i * PackedRows.BLOCK;
                    for (int j = 0; j < valid; j++) {
                        float d = half[base + j] - out[o + j];
                        if (d < best[i]) {
                            second[i] = best[i];
                            best[i] = d;
                            bestIdx[i] = base + j;
                        } else if (d < second[i]) {
                            second[i] = d;
                        }
                    }
                }
            }
            int changed = 0;
            for (int i = 0; i < count; i++) {
                int p = rows[start + i];
                double margin = roundingMargin(dim, Math.sqrt(norms[p]), cmax);
                // Scores are (‖x − c‖² − ‖x‖²)/2, each within margin/2 of exact: widen the bounds by that much.
                upper[p] = Math.sqrt(Math.max(0, norms[p] + 2.0 * best[i]) + margin);
                lower[p] = k == 1 ? Double.POSITIVE_INFINITY : Math.sqrt(Math.max(0, norms[p] + 2.0 * second[i] - margin));
                if (assign[p] != bestIdx[i]) {
                    assign[p] = bestIdx[i];
                    changed++;
                }
            }
            return changed;
        }).sum() > 0;
    }

    /**
     * True when every other centre is farther than the own one by more than rounding can blur: with {@code u} ≥ the
     * distance to the own centre, the distance to any other is at least {@code max(lower, 2·s − u)} (s: half the
     * distance from the own centre to its nearest other centre), and the squared distances must differ by more than
     * {@code margin}.
     */
    private static boolean provablyKeeps(double upper, double lower, double halfGap, double margin) {
        double other = Math.max(lower, 2 * halfGap - upper);
        return other > upper && other * other - upper * upper > margin;
    }

    /**
     * Twice the largest error of a float score ‖c‖²/2 − x·c over {@code dim} fused multiply-adds (relative error
     * at most (dim + 2)·2⁻²⁴ of ‖x‖·‖c‖ + ‖c‖²), as a margin on squared distances.
     */
    static double roundingMargin(int dim, double xNorm, double maxCentreNorm) {
        return 4.0 * (dim + 2) * 0x1p-24 * (xNorm + maxCentreNorm) * maxCentreNorm + 1e-30;
    }

    /** For each centre, half the distance to its nearest other centre (a lower bound, rounding included). */
    private static double[] nearestOtherCentre(float[] centroids, PackedRows centres, double[] centreNorms, int dim,
            int k, double cmax) {
        double[] halfGap = new double[k];
        if (k == 1) {
            halfGap[0] = Double.POSITIVE_INFINITY;
            return halfGap;
        }
        DotKernel kernel = DotKernel.best();
        double margin = roundingMargin(dim, cmax, cmax);
        int blocks = (k + POINT_BLOCK - 1) / POINT_BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int start = b * POINT_BLOCK;
            int count = Math.min(k, start + POINT_BLOCK) - start;
            float[] out = new float[count * PackedRows.BLOCK];
            double[] nearest = new double[count];
            Arrays.fill(nearest, Double.POSITIVE_INFINITY);
            for (int cb = 0; cb < centres.blocks(); cb++) {
                kernel.scores(centroids, start, count, centres, cb, out);
                int base = cb * PackedRows.BLOCK;
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < centres.rowsInBlock(cb); j++) {
                        if (base + j != start + i) {
                            double d = centreNorms[start + i] + centreNorms[base + j] - 2.0 * out[i * PackedRows.BLOCK + j];
                            nearest[i] = Math.min(nearest[i], d);
                        }
                    }
                }
            }
            for (int i = 0; i < count; i++) {
                halfGap[start + i] = Math.sqrt(Math.max(0, nearest[i] - margin)) / 2;
            }
        });
        return halfGap;
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
