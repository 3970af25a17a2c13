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
