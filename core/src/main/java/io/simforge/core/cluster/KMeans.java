package io.simforge.core.cluster;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * k-means (Lloyd's algorithm) with k-means++ seeding and a fixed seed, run until no assignment changes
 * (or a safety cap on iterations). The assignment step runs in parallel over blocks of points; memory is
 * the data plus k centroids and one label per point.
 */
public final class KMeans {
    /** Result: a cluster per point, the centroids, and how many iterations it took. */
    public record Result(int[] assignments, float[] centroids, int iterations, boolean converged) {}

    private static final int MAX_ITERATIONS = 300;

    private KMeans() {}

    /**
     * @param data row-major {@code n × dim}
     */
    public static Result fit(float[] data, int dim, int k, long seed) {
        int n = data.length / dim;
        if (dim <= 0 || data.length % dim != 0) {
            throw new IllegalArgumentException("data length " + data.length + " is not a multiple of dimension " + dim);
        }
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k-means needs 1 <= k <= number of points, got k = " + k + " for " + n + " points");
        }
        Random random = new Random(seed);
        float[] centroids = seedPlusPlus(data, dim, n, k, random);
        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        for (int it = 1; it <= MAX_ITERATIONS; it++) {
            boolean changed = assign(data, dim, n, centroids, k, assign);
            if (!changed) {
                return new Result(assign, centroids, it, true);
            }
            update(data, dim, n, centroids, k, assign, random);
        }
        return new Result(assign, centroids, MAX_ITERATIONS, false);
    }

    /** k-means++: each next centre is drawn with probability proportional to its squared distance to the nearest one. */
    private static float[] seedPlusPlus(float[] data, int dim, int n, int k, Random random) {
        float[] c = new float[k * dim];
        int first = random.nextInt(n);
        System.arraycopy(data, first * dim, c, 0, dim);
        double[] nearest = new double[n];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (int j = 1; j < k; j++) {
            int prev = j - 1;
            double total = 0;
            for (int i = 0; i < n; i++) {
                nearest[i] = Math.min(nearest[i], squaredDistance(data, i * dim, c, prev * dim, dim));
                total += nearest[i];
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

    private static boolean assign(float[] data, int dim, int n, float[] centroids, int k, int[] assign) {
        int blocks = (n + 1023) / 1024;
        return IntStream.range(0, blocks).parallel().map(b -> {
            int changed = 0;
            for (int i = b * 1024; i < Math.min(n, (b + 1) * 1024); i++) {
                int best = 0;
                double bestD = Double.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double d = squaredDistance(data, i * dim, centroids, j * dim, dim);
                    if (d < bestD) {
                        bestD = d;
                        best = j;
                    }
                }
                if (assign[i] != best) {
                    assign[i] = best;
                    changed++;
                }
            }
            return changed;
        }).sum() > 0;
    }

    private static void update(float[] data, int dim, int n, float[] centroids, int k, int[] assign, Random random) {
        double[] sums = new double[k * dim];
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            int j = assign[i];
            counts[j]++;
            for (int d = 0; d < dim; d++) {
                sums[j * dim + d] += data[i * dim + d];
            }
        }
        for (int j = 0; j < k; j++) {
            if (counts[j] == 0) {
                // An empty cluster takes the point farthest from its current centre.
                int far = 0;
                double farD = -1;
                for (int i = 0; i < n; i++) {
                    double d = squaredDistance(data, i * dim, centroids, assign[i] * dim, dim);
                    if (d > farD) {
                        farD = d;
                        far = i;
                    }
                }
                System.arraycopy(data, far * dim, centroids, j * dim, dim);
                continue;
            }
            for (int d = 0; d < dim; d++) {
                centroids[j * dim + d] = (float) (sums[j * dim + d] / counts[j]);
            }
        }
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
