package io.simforge.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KMeansTest {

    private static float[] blobs(Random r, int perBlob, double[][] centres, double spread) {
        int dim = centres[0].length;
        float[] x = new float[centres.length * perBlob * dim];
        for (int b = 0; b < centres.length; b++) {
            for (int i = 0; i < perBlob; i++) {
                for (int d = 0; d < dim; d++) {
                    x[(b * perBlob + i) * dim + d] = (float) (centres[b][d] + spread * r.nextGaussian());
                }
            }
        }
        return x;
    }

    @Test
    void separatedBlobsAreRecoveredAndRunsAreRepeatable() {
        double[][] centres = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
        float[] x = blobs(new Random(1), 200, centres, 0.5);
        KMeans.Result a = KMeans.fit(x, 3, 4, 42);
        assertTrue(a.converged());
        for (int b = 0; b < 4; b++) {
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                ids.add(a.assignments()[b * 200 + i]);
            }
            assertEquals(1, ids.size(), "blob " + b + " lands in one cluster");
        }
        assertEquals(4, java.util.Arrays.stream(a.assignments()).distinct().count());
        assertArrayEquals(a.assignments(), KMeans.fit(x, 3, 4, 42).assignments(), "same seed, same clustering");
    }

    /**
     * The batched seeding draws exactly k-means++'s distribution, its rejection step included (the third centre is
     * drawn against a distance table refreshed after the first only). The reference is the definition, enumerated
     * here: first centre uniform, each next with probability D² / ΣD². Over 40,000 seeds every ordered triple's
     * frequency must lie within 4.5 standard errors of its probability.
     */
    @Test
    void seedingDrawsTheKMeansPlusPlusDistribution() {
        float[] x = {0, 1, 3, 7, 7.5f};
        int n = x.length;
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            norms[i] = (double) x[i] * x[i];
        }
        double[][][] p = new double[n][n][n];
        for (int a = 0; a < n; a++) {
            double[] da = new double[n];
            double sa = 0;
            for (int i = 0; i < n; i++) {
                da[i] = sq(x[i] - x[a]);
                sa += da[i];
            }
            for (int b = 0; b < n; b++) {
                double[] db = new double[n];
                double sb = 0;
                for (int i = 0; i < n; i++) {
                    db[i] = Math.min(da[i], sq(x[i] - x[b]));
                    sb += db[i];
                }
                for (int c = 0; c < n; c++) {
                    p[a][b][c] = (1.0 / n) * (da[b] / sa) * (db[c] / sb);
                }
            }
        }
        int runs = 40_000;
        int[][][] count = new int[n][n][n];
        Random random = new Random(1); // one stream for all draws (nearby seeds' first draws are correlated)
        for (int run = 0; run < runs; run++) {
            float[] c = KMeans.seedPlusPlus(x, 1, n, 3, norms, random);
            count[indexOf(x, c[0])][indexOf(x, c[1])][indexOf(x, c[2])]++;
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                for (int c = 0; c < n; c++) {
                    double expected = p[a][b][c] * runs;
                    double se = Math.sqrt(expected * (1 - p[a][b][c])) + 1e-9;
                    assertTrue(Math.abs(count[a][b][c] - expected) <= 4.5 * se + (expected == 0 ? 0 : 1),
                            "triple " + a + "," + b + "," + c + ": " + count[a][b][c] + " draws, expected " + expected);
                }
            }
        }
    }

    private static double sq(double v) {
        return v * v;
    }

    private static int indexOf(float[] x, float v) {
        for (int i = 0; i < x.length; i++) {
            if (x[i] == v) {
                return i;
            }
        }
        throw new AssertionError(v + " is not a data point");
    }

    /** More centres than one refresh batch: the seeding stays deterministic and picks distinct points. */
    @Test
    void seedingAcrossSeveralBatchesIsRepeatableAndPicksDistinctPoints() {
        Random r = new Random(4);
        int n = 2_000;
        int dim = 7;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                norms[i] += (double) x[i * dim + d] * x[i * dim + d];
            }
        }
        int k = 3 * KMeans.SEED_BATCH + 5;
        float[] a = KMeans.seedPlusPlus(x, dim, n, k, norms, new Random(9));
        assertArrayEquals(a, KMeans.seedPlusPlus(x, dim, n, k, norms, new Random(9)));
        Set<String> distinct = new HashSet<>();
        for (int j = 0; j < k; j++) {
            distinct.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(a, j * dim, (j + 1) * dim)));
        }
        assertEquals(k, distinct.size());
    }

    /**
     * The pruned Lloyd iterations (Yinyang's bounds) end where plain Lloyd ends: a float64 Lloyd written out here,
     * started from the same k-means++ centres, scoring every point against every centre each iteration, reaches the
     * same assignments after the same number of iterations.
     */
    @Test
    void prunedIterationsMatchPlainLloydFromTheSameSeeds() {
        Random r = new Random(17);
        int dim = 24;
        int k = 150; // more than one block of centres
        double[][] centres = new double[40][dim];
        for (double[] c : centres) {
            for (int d = 0; d < dim; d++) {
                c[d] = r.nextGaussian();
            }
        }
        float[] x = blobs(r, 80, centres, 0.8);
        int n = x.length / dim;
        long seed = 3;
        KMeans.Result fast = KMeans.fit(x, dim, k, seed);
        int[] assign = new int[n];
        int iterations = plainLloyd(x, dim, k, seed, assign);
        assertTrue(iterations > 3, "enough iterations for the bounds to matter: " + iterations);
        assertEquals(iterations, fast.iterations());
        assertArrayEquals(assign, fast.assignments());
    }

    /**
     * Many groups of centres (k = 700: six groups of 128), where Yinyang's group bounds must rule groups out: still
     * the very assignments of plain Lloyd, and the trace shows the bounds did the work.
     */
    @Test
    void groupBoundsSettleMostPointsYetMatchPlainLloyd() {
        Random r = new Random(23);
        int dim = 16;
        int k = 700;
        double[][] centres = new double[700][dim];
        for (double[] c : centres) {
            for (int d = 0; d < dim; d++) {
                c[d] = 4 * r.nextGaussian();
            }
        }
        float[] x = blobs(r, 8, centres, 1.0);
        int n = x.length / dim;
        long seed = 5;
        KMeans.Result fast = KMeans.fit(x, dim, k, seed);
        int[] assign = new int[n];
        int iterations = plainLloyd(x, dim, k, seed, assign);
        assertTrue(iterations > 4, "enough iterations for the bounds to matter: " + iterations);
        assertEquals(iterations, fast.iterations());
        assertArrayEquals(assign, fast.assignments());
        assertEquals(iterations, fast.trace().size());
        KMeans.Iteration last = fast.trace().get(iterations - 1);
        assertTrue(last.settledPoints() > n / 2, "bounds settled " + last.settledPoints() + " of " + n);
        assertTrue(last.scoredGroups() < (long) (n - last.settledPoints()) * 6,
                "a point left to score is scored against some of the six groups, not all: " + last);
        assertEquals((long) n * 6, fast.trace().get(0).scoredGroups(), "the first iteration scores every group");
    }

    /** Float64 Lloyd from the same k-means++ seeds, scoring every point against every centre; returns iterations. */
    private static int plainLloyd(float[] x, int dim, int k, long seed, int[] assign) {
        int n = x.length / dim;
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                norms[i] += (double) x[i * dim + d] * x[i * dim + d];
            }
        }
        float[] c = KMeans.seedPlusPlus(x, dim, n, k, norms, new Random(seed));
        java.util.Arrays.fill(assign, -1);
        int iterations = 0;
        while (true) {
            iterations++;
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int best = -1;
                double bestD = Double.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double dd = KMeans.squaredDistance(x, i * dim, c, j * dim, dim);
                    if (dd < bestD) {
                        bestD = dd;
                        best = j;
                    }
                }
                changed |= assign[i] != best;
                assign[i] = best;
            }
            if (!changed) {
                return iterations;
            }
            double[] sums = new double[k * dim];
            int[] counts = new int[k];
            for (int i = 0; i < n; i++) {
                counts[assign[i]]++;
                for (int d = 0; d < dim; d++) {
                    sums[assign[i] * dim + d] += x[i * dim + d];
                }
            }
            for (int j = 0; j < k; j++) {
                assertTrue(counts[j] > 0, "the reference has no rule for empty clusters; pick other data");
                for (int d = 0; d < dim; d++) {
                    c[j * dim + d] = (float) (sums[j * dim + d] / counts[j]);
                }
            }
        }
    }

    @Test
    void centroidsAreTheMeansOfTheirPoints() {
        float[] x = blobs(new Random(2), 50, new double[][] {{0, 0}, {5, 5}}, 1.0);
        KMeans.Result r = KMeans.fit(x, 2, 2, 7);
        for (int j = 0; j < 2; j++) {
            double sx = 0;
            double sy = 0;
            int count = 0;
            for (int i = 0; i < 100; i++) {
                if (r.assignments()[i] == j) {
                    sx += x[2 * i];
                    sy += x[2 * i + 1];
                    count++;
                }
            }
            assertEquals(sx / count, r.centroids()[2 * j], 1e-4);
            assertEquals(sy / count, r.centroids()[2 * j + 1], 1e-4);
        }
    }

    @Test
    void coincidentPointsAndBadArgumentsAreHandled() {
        float[] same = new float[20];
        KMeans.Result r = KMeans.fit(same, 2, 3, 1);
        assertEquals(10, r.assignments().length);
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(same, 2, 11, 1));
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[5], 2, 1, 1));
    }

    /**
     * Many clusters (several blocks of centroids) and a point count that fills no block exactly: at
     * convergence every point sits with its nearest centroid, checked in double precision, and the result
     * does not depend on how many threads computed it.
     */
    @Test
    void convergedAssignmentsAreNearestCentroidsWhateverTheThreadCount() throws Exception {
        Random r = new Random(4);
        int n = 2_345;
        int dim = 24;
        int k = 300;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        KMeans.Result a = KMeans.fit(x, dim, k, 3);
        assertTrue(a.converged(), "converged in " + a.iterations());
        int disagreements = 0;
        for (int i = 0; i < n; i++) {
            double own = KMeans.squaredDistance(x, i * dim, a.centroids(), a.assignments()[i] * dim, dim);
            for (int j = 0; j < k; j++) {
                double d = KMeans.squaredDistance(x, i * dim, a.centroids(), j * dim, dim);
                // Float inner products may order two near-equal distances differently; allow a hair.
                if (d < own - 1e-4 * (1 + own)) {
                    disagreements++;
                    break;
                }
            }
        }
        assertEquals(0, disagreements, "points not with their nearest centroid");
        java.util.concurrent.ForkJoinPool one = new java.util.concurrent.ForkJoinPool(1);
        try {
            KMeans.Result b = one.submit(() -> KMeans.fit(x, dim, k, 3)).get();
            assertArrayEquals(a.assignments(), b.assignments(), "one thread, same clustering");
        } finally {
            one.shutdown();
        }
    }
}
