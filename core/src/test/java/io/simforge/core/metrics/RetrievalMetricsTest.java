package io.simforge.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.simforge.core.search.ExactKnn;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

    @Test
    void aHandWorkedExample() {
        // Four points on a line of angles; labels A A B B. Similarities (1-D unit vectors in 2-D):
        // p0=(1,0) p1=(0.8,0.6) p2=(0.6,0.8) p3=(0,1).
        float[] x = {1, 0, 0.8f, 0.6f, 0.6f, 0.8f, 0, 1};
        int[] y = {0, 0, 1, 1};
        // Nearest other item: p0->p1 (hit), p1->p2 (0.96 > 0.8: miss), p2->p1 (miss), p3->p2 (hit).
        Map<Integer, Double> r = RetrievalMetrics.recallAtK(x, 2, y, 1, 2, 3);
        assertEquals(0.5, r.get(1), 1e-12);
        // Top-2: p1 -> {p2, p0}: hit; p2 -> {p1, p3}: hit.
        assertEquals(1.0, r.get(2), 1e-12);
        assertEquals(1.0, r.get(3), 1e-12);
    }

    @Test
    void tiesGoToTheLowerIndexAndSelfIsExcludedByIndex() {
        // Items 0, 1 and 2 are identical; item 0's neighbours must be 1 then 2, never itself.
        float[] x = {1, 0, 1, 0, 1, 0, 0, 1};
        int[][] nn = ExactKnn.search(x, x, 2, 3, 0);
        assertArrayEquals(new int[] {1, 2, 3}, nn[0]);
        assertArrayEquals(new int[] {0, 2, 3}, nn[1]);
        assertArrayEquals(new int[] {0, 1, 2}, nn[3]);
    }

    @Test
    void matchesABruteForceRankingOnRandomData() {
        Random r = new Random(1);
        int n = 300;
        int dim = 5;
        float[] x = new float[n * dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(7);
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = (float) r.nextGaussian();
            }
        }
        int[] ks = {1, 2, 4, 8, 16};
        Map<Integer, Double> fast = RetrievalMetrics.recallAtK(x, dim, y, ks);
        for (int k : ks) {
            int hits = 0;
            for (int q = 0; q < n; q++) {
                // Count items strictly better than the best same-label item, with lower-index ties first.
                double best = Double.NEGATIVE_INFINITY;
                int bestIdx = -1;
                for (int g = 0; g < n; g++) {
                    if (g != q && y[g] == y[q]) {
                        double s = dot(x, q, g, dim);
                        if (s > best) {
                            best = s;
                            bestIdx = g;
                        }
                    }
                }
                int rank = 0;
                for (int g = 0; g < n; g++) {
                    if (g == q) {
                        continue;
                    }
                    double s = dot(x, q, g, dim);
                    if (s > best || (s == best && g < bestIdx)) {
                        rank++;
                    }
                }
                if (bestIdx >= 0 && rank < k) {
                    hits++;
                }
            }
            assertEquals(hits / (double) n, fast.get(k), 1e-12, "Recall@" + k);
        }
    }

    private static double dot(float[] x, int a, int b, int dim) {
        float s = 0;
        for (int d = 0; d < dim; d++) {
            s += x[a * dim + d] * x[b * dim + d];
        }
        return s;
    }
}
