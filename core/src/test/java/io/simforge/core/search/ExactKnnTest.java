package io.simforge.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Exact search against a float64 brute-force ranking written out here. Vectors of small integers make every dot
 * product exact in float32 and full of ties, so the lists must match entry for entry, tie order included.
 */
class ExactKnnTest {

    @Test
    void matchesBruteForceOnEveryKernelShapeWithTies() {
        Random r = new Random(11);
        // Gallery sizes around the 128-row block, dimensions around the lane count (16) and the kernel's
        // 128-dimension chunk, query counts around its four-query tile, and k up to beyond the gallery.
        int[] galleries = {1, 2, 127, 128, 129, 700};
        int[] dims = {1, 7, 17, 128, 130};
        int[] queryCounts = {1, 3, 4, 5, 10, 37};
        for (int n : galleries) {
            for (int dim : dims) {
                for (int nq : queryCounts) {
                    float[] g = smallIntegers(r, n * dim);
                    float[] q = smallIntegers(r, nq * dim);
                    for (int k : new int[] {1, 10, n + 3}) {
                        int[][] got = ExactKnn.search(q, g, n, dim, k, -1);
                        for (int i = 0; i < nq; i++) {
                            assertArrayEquals(reference(q, i, g, n, dim, k, -1), got[i],
                                    "gallery " + n + ", dim " + dim + ", queries " + nq + ", k " + k + ", query " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fewQueriesOverAGallerySplitAcrossThreadsGiveTheSameLists() {
        // One query over many blocks is split into gallery ranges whose lists are merged: every row scores the
        // same, so only the tie order (lower index first) decides, across range boundaries.
        int n = 5_000;
        int dim = 3;
        float[] g = new float[n * dim];
        for (int i = 0; i < n; i++) {
            g[i * dim] = i % 2 == 0 ? 1 : 0;
        }
        float[] q = {1, 0, 0};
        int[][] got = ExactKnn.search(q, g, n, dim, 20, -1);
        assertArrayEquals(IntStream.range(0, 20).map(i -> 2 * i).toArray(), got[0]);
    }

    @Test
    void longListsThatAreCutBackManyTimesStayExact() {
        // k of several hundred over a few thousand rows: each list's candidate buffer fills and is cut back to the
        // best k many times; small-integer scores make ties at every threshold.
        Random r = new Random(13);
        int n = 4_000;
        int dim = 5;
        float[] g = smallIntegers(r, n * dim);
        float[] q = smallIntegers(r, 9 * dim);
        for (int k : new int[] {100, 300, 1_000}) {
            int[][] got = ExactKnn.search(q, g, n, dim, k, -1);
            for (int i = 0; i < 9; i++) {
                assertArrayEquals(reference(q, i, g, n, dim, k, -1), got[i], "k " + k + ", query " + i);
            }
        }
    }

    @Test
    void leaveOneOutExcludesEachQueryItselfAcrossBlocks() {
        Random r = new Random(5);
        int n = 300;
        int dim = 9;
        float[] x = smallIntegers(r, n * dim);
        int[][] got = ExactKnn.search(x, x, n, dim, 15, 0);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(reference(x, i, x, n, dim, 15, i), got[i], "query " + i);
        }
        // Queries 10.. are gallery rows 110..: the offset names them.
        float[] tail = Arrays.copyOfRange(x, 110 * dim, 140 * dim);
        int[][] shifted = ExactKnn.search(tail, x, n, dim, 4, 110);
        for (int i = 0; i < 30; i++) {
            assertArrayEquals(reference(tail, i, x, n, dim, 4, 110 + i), shifted[i], "query " + i);
        }
    }

    @Test
    void realValuedScoresMatchFloat64WithinRounding() {
        Random r = new Random(8);
        int n = 1_000;
        int dim = 131;
        int nq = 9;
        float[] g = gaussian(r, n * dim);
        float[] q = gaussian(r, nq * dim);
        ExactKnn.Neighbours nb = ExactKnn.searchWithScores(q, PackedRows.pack(g, n, dim), 5, -1);
        for (int i = 0; i < nq; i++) {
            int[] ref = reference(q, i, g, n, dim, 5, -1);
            for (int j = 0; j < 5; j++) {
                assertEquals(dot(q, i, g, ref[j], dim), nb.scores()[i][j], 1e-4, "query " + i + " rank " + j);
                assertEquals(dot(q, i, g, ref[j], dim), dot(q, i, g, nb.indices()[i][j], dim), 1e-4);
            }
        }
    }

    @Test
    void aShortListIsPaddedWithMinusOne() {
        int[][] got = ExactKnn.search(new float[] {1, 0}, new float[] {0, 1}, 1, 2, 3, -1);
        assertArrayEquals(new int[] {0, -1, -1}, got[0]);
    }

    /** The top k rows by float64 inner product, ties to the lower index, excluding {@code self}. */
    private static int[] reference(float[] q, int qi, float[] g, int n, int dim, int k, int self) {
        Integer[] order = IntStream.range(0, n).filter(i -> i != self).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -dot(q, qi, g, i, dim)).thenComparingInt(i -> i));
        int[] top = new int[k];
        Arrays.fill(top, -1);
        for (int j = 0; j < Math.min(k, order.length); j++) {
            top[j] = order[j];
        }
        return top;
    }

    private static double dot(float[] q, int qi, float[] g, int gi, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) q[qi * dim + d] * g[gi * dim + d];
        }
        return s;
    }

    private static float[] smallIntegers(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(5) - 2;
        }
        return x;
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
