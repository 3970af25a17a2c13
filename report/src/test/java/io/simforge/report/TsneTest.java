package io.simforge.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TsneTest {

    @Test
    void separatedClustersStaySeparatedAndRunsRepeat() {
        // Four tight groups in 20-D, 40 points each.
        Random r = new Random(5);
        int dim = 20;
        int n = 160;
        float[] x = new float[n * dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = (float) ((d == y[i] ? 5 : 0) + 0.3 * r.nextGaussian());
            }
        }
        double[] map = Tsne.embed(x, dim, 30);
        int agree = 0;
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double dx = map[2 * i] - map[2 * j];
                double dy = map[2 * i + 1] - map[2 * j + 1];
                if (j != i && dx * dx + dy * dy < bestD) {
                    bestD = dx * dx + dy * dy;
                    best = j;
                }
            }
            agree += y[best] == y[i] ? 1 : 0;
        }
        assertEquals(n, agree, "every point's nearest neighbour in the map is of its own group");
        assertArrayEquals(map, Tsne.embed(x, dim, 30), "deterministic");
    }

    @Test
    void affinitiesAreSymmetricProbabilitiesAtThePerplexity() {
        Random r = new Random(2);
        int n = 50;
        int dim = 3;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        double[] p = Tsne.affinities(x, dim, n, 10);
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(p[i * n + j], p[j * n + i], 1e-15);
                total += p[i * n + j];
            }
        }
        assertEquals(1.0, total, 1e-6);
    }

    @Test
    void pcaFindsTheLongAxis() {
        // Points along (3, 4)/5 with small noise across it.
        Random r = new Random(1);
        int n = 200;
        float[] x = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double t = r.nextGaussian() * 5;
            double s = r.nextGaussian() * 0.1;
            x[2 * i] = (float) (0.6 * t - 0.8 * s + 1);
            x[2 * i + 1] = (float) (0.8 * t + 0.6 * s - 2);
        }
        double[] p = Pca.project(x, 2, 1);
        double along = 0;
        double total = 0;
        for (int i = 0; i < n; i++) {
            along += p[i] * p[i];
            total += Math.pow(x[2 * i] - 1, 2) + Math.pow(x[2 * i + 1] + 2, 2);
        }
        assertTrue(along / total > 0.99, "the first component carries almost all the variance: " + along / total);
    }
}
