package io.simforge.core.metrics;

import static io.simforge.core.metrics.UnitVectors.angles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The In-Shop (query/gallery) form, and both forms against an independent full ranking. */
class QueryGalleryMetricsTest {



    @Test
    void aHandWorkedInShopExample() {
        // Gallery: 0° A, 90° B, 10° B, 80° A. Queries: 3° A, 86° B, 45° C (C is not in the gallery).
        float[] gallery = angles(0, 90, 10, 80);
        int[] gl = {0, 1, 1, 0};
        float[] queries = angles(3, 86, 45);
        int[] ql = {0, 1, 2};
        // 3°: ranking 0°(A) 10°(B) 80°(A) 90°(B): rel 1 0 1 0, R = 2 -> AP = (1 + 0)/2 = 0.5, R-Prec 1/2.
        // 86°: ranking 90°(B) 80°(A) 10°(B) 0°(A): rel 1 0 1 0, R = 2 -> AP 0.5, R-Prec 1/2.
        // 45°: no relevant gallery item -> a miss for Recall@K and P@1, no AP.
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(queries, ql, gallery, gl, 2, 1, 4);
        assertEquals(2 / 3.0, s.recallAtK().get(1), 1e-12);
        assertEquals(2 / 3.0, s.recallAtK().get(4), 1e-12);
        assertEquals(2 / 3.0, s.precisionAt1(), 1e-12);
        assertEquals(0.5, s.mapAtR(), 1e-12);
        assertEquals(0.5, s.rPrecision(), 1e-12);
        assertEquals(3, s.queries());
        assertEquals(2, s.rankedQueries());
        // The query is never excluded from a separate gallery, even when it equals a gallery item.
        RetrievalMetrics.Scores same = RetrievalMetrics.evaluate(angles(0), new int[] {0}, angles(0), new int[] {0}, 2, 1);
        assertEquals(1.0, same.recallAtK().get(1));
        assertEquals(1.0, same.mapAtR());
    }

    @Test
    void badShapesAreRefusedWithTheCounts() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> RetrievalMetrics.evaluate(new float[6], new int[] {0, 1}, new float[4], new int[] {0, 1}, 2, 1));
        assertEquals("queries: 2 labels but 3 vectors of dimension 2 (6 values)", e.getMessage());
    }

    /**
     * Integer coordinates make every inner product exact in float and double alike, and produce many ties,
     * so the fast blocked search and this sort-everything reference must agree exactly, tie order included.
     */
    @Test
    void bothFormsMatchAFullSortOnRandomDataWithTies() {
        Random r = new Random(11);
        int dim = 6;
        for (int round = 0; round < 3; round++) {
            int nq = 150 + 97 * round;
            int ng = 300 + 131 * round;
            float[] q = integers(r, nq * dim);
            float[] g = integers(r, ng * dim);
            int[] ql = labels(r, nq, 9);
            int[] gl = labels(r, ng, 9);
            int[] ks = {1, 2, 4, 8, 32};
            assertSame(reference(q, ql, g, gl, dim, false, ks), RetrievalMetrics.evaluate(q, ql, g, gl, dim, ks));
            assertSame(reference(g, gl, g, gl, dim, true, ks), RetrievalMetrics.evaluate(g, dim, gl, ks));
            Map<Integer, Double> recallOnly = RetrievalMetrics.recallAtK(g, dim, gl, ks);
            assertEquals(RetrievalMetrics.evaluate(g, dim, gl, ks).recallAtK(), recallOnly);
        }
    }

    private static void assertSame(double[] expected, RetrievalMetrics.Scores s) {
        int i = 0;
        for (double recall : s.recallAtK().values()) {
            assertEquals(expected[i++], recall, 1e-12, "Recall@K #" + i);
        }
        assertEquals(expected[i++], s.precisionAt1(), 1e-12, "P@1");
        assertEquals(expected[i++], s.mapAtR(), 1e-12, "MAP@R");
        assertEquals(expected[i], s.rPrecision(), 1e-12, "R-Precision");
    }

    /** Sorts the whole gallery per query in double precision; returns recall@ks…, P@1, MAP@R, R-Precision. */
    private static double[] reference(float[] q, int[] ql, float[] g, int[] gl, int dim, boolean leaveOneOut, int[] ks) {
        int nq = ql.length;
        double[] hits = new double[ks.length];
        double p1 = 0;
        double ap = 0;
        double rp = 0;
        int ranked = 0;
        for (int i = 0; i < nq; i++) {
            List<double[]> order = new ArrayList<>();
            for (int j = 0; j < gl.length; j++) {
                if (leaveOneOut && j == i) {
                    continue;
                }
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (double) q[i * dim + d] * g[j * dim + d];
                }
                order.add(new double[] {s, j});
            }
            order.sort(Comparator.<double[]>comparingDouble(a -> -a[0]).thenComparingDouble(a -> a[1]));
            int rel = 0;
            for (double[] o : order) {
                rel += gl[(int) o[1]] == ql[i] ? 1 : 0;
            }
            for (int k = 0; k < ks.length; k++) {
                for (int rank = 0; rank < Math.min(ks[k], order.size()); rank++) {
                    if (gl[(int) order.get(rank)[1]] == ql[i]) {
                        hits[k]++;
                        break;
                    }
                }
            }
            p1 += gl[(int) order.get(0)[1]] == ql[i] ? 1 : 0;
            if (rel > 0) {
                double sum = 0;
                int found = 0;
                for (int rank = 0; rank < rel; rank++) {
                    if (gl[(int) order.get(rank)[1]] == ql[i]) {
                        found++;
                        sum += found / (rank + 1.0);
                    }
                }
                ap += sum / rel;
                rp += found / (double) rel;
                ranked++;
            }
        }
        double[] out = new double[ks.length + 3];
        for (int k = 0; k < ks.length; k++) {
            out[k] = hits[k] / nq;
        }
        out[ks.length] = p1 / nq;
        out[ks.length + 1] = ap / ranked;
        out[ks.length + 2] = rp / ranked;
        return out;
    }

    private static float[] integers(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(5) - 2;
        }
        return x;
    }

    private static int[] labels(Random r, int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
        }
        return y;
    }
}
