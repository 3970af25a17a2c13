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
 * {@link DotKernel} in parallel over blocks of points. Memory is the data, one packed copy of it (for
 * seeding), the centroids, and a few numbers per point. Results do not depend on the number of threads.
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
        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        for (int it = 1; it <= MAX_ITERATIONS; it++) {
            boolean changed = assign(data, dim, n, centroids, k, assign);
            if (!changed) {
                return new Result(assign, centroids, it, true, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
            }
            update(data, dim, n, centroids, k, assign);
        }
        return new Result(assign, centroids, MAX_ITERATIONS, false, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
    }

    /** k-means++: each next centre is drawn with probability proportional to its squared distance to the nearest one. */
    private static float[] seedPlusPlus(float[] data, int dim, int n, int k, double[] norms, Random random) {
        float[] c = new float[k * dim];
        System.arraycopy(data, random.nextInt(n) * dim, c, 0, dim);
        if (k == 1) {
            return c;
        }
        PackedRows points = PackedRows.pack(data, n, dim);
        DotKernel kernel = DotKernel.best();
        double[] nearest = new double[n];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (int j = 1; j < k; j++) {
            int prevRow = j - 1;
            int prev = prevRow * dim;
            double centreNorm = dot(c, prev, c, prev, dim);
            IntStream.range(0, points.blocks()).parallel().forEach(b -> {
                float[] out = new float[PackedRows.BLOCK];
                kernel.scores(c, prevRow, 1, points, b, out);
                int base = b * PackedRows.BLOCK;
                for (int i = 0; i < points.rowsInBlock(b); i++) {
                    double d = Math.max(0, norms[base + i] - 2 * out[i] + centreNorm);
                    if (d < nearest[base + i]) {
                        nearest[base + i] = d;
                    }
                }
            });
            double total = 0;
            for (double d : nearest) {
                total += d;
            }
            int pick;
            if (total <= 0) {
                pick = random.nextInt(n); // all points coincide with a centre
            } else {
                double target = random.nextDouble() * total;
                pick = n - 1;
                for (int i = 0; i < n; i++) {
                    target -= nearest[i];
                    if (target < 0) {
                        pick = i;
                        break;
                    }
                }
            }
            System.arraycopy(data, pick * dim, c, j * dim, dim);
        }
        return c;
    }

    /** Assigns every point to its nearest centroid (ties: the lower index); true when any assignment changed. */
    private static boolean assign(float[] data, int dim, int n, float[] centroids, int k, int[] assign) {
        PackedRows centres = PackedRows.pack(centroids, k, dim);
        float[] half = new float[k]; // ‖c‖²/2: argmin ‖x − c‖² = argmin (‖c‖²/2 − x·c)
        for (int j = 0; j < k; j++) {
            half[j] = (float) (dot(centroids, j * dim, centroids, j * dim, dim) / 2);
        }
        DotKernel kernel = DotKernel.best();
        int blocks = (n + POINT_BLOCK - 1) / POINT_BLOCK;
        return IntStream.range(0, blocks).parallel().map(b -> {
            int start = b * POINT_BLOCK;
            int count = Math.min(n, start + POINT_BLOCK) - start;
            float[] out = new float[count * PackedRows.BLOCK];
            float[] best = new float[count];
            int[] bestIdx = new int[count];
            Arrays.fill(best, Float.POSITIVE_INFINITY);
            for (int cb = 0; cb < centres.blocks(); cb++) {
                kernel.scores(data, start, count, centres, cb, out);
                int base = cb * PackedRows.BLOCK;
                int valid = centres.rowsInBlock(cb);
                for (int i = 0; i < count; i++) {
                    int o = i * PackedRows.BLOCK;
                    for (int j = 0; j < valid; j++) {
                        float d = half[base + j] - out[o + j];
                        if (d < best[i]) {
                            best[i] = d;
                            bestIdx[i] = base + j;
                        }
                    }
                }
            }
            int changed = 0;
            for (int i = 0; i < count; i++) {
                if (assign[start + i] != bestIdx[i]) {
                    assign[start + i] = bestIdx[i];
                    changed++;
                }
            }
            return changed;
        }).sum() > 0;
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
