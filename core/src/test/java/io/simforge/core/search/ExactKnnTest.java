package io.simforge.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
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

    @Test
    void quantisedSearchReRankingEveryRowIsExactOnEveryShapeWithTies() {
        // With as many candidates as rows the codes only pick the order of re-ranking: the lists must be the exact
        // float64 ones, tie order included, on every kernel shape (k beyond the gallery, one row, odd dimensions).
        Random r = new Random(17);
        for (int n : new int[] {1, 2, 127, 129, 300}) {
            for (int dim : new int[] {1, 7, 17, 130}) {
                for (int nq : new int[] {1, 4, 5, 37}) {
                    float[] g = smallIntegers(r, n * dim);
                    float[] q = smallIntegers(r, nq * dim);
                    PackedRows packed = PackedRows.pack(g, n, dim);
                    Int8Rows codes = Int8Rows.encode(packed);
                    for (int k : new int[] {1, 10, n + 3}) {
                        ExactKnn.Neighbours got = ExactKnn.searchQuantized(q, codes, packed, k, Math.max(k, n));
                        for (int i = 0; i < nq; i++) {
                            int[] ref = reference(q, i, g, n, dim, k, -1);
                            String where = "gallery " + n + ", dim " + dim + ", queries " + nq + ", k " + k + ", query " + i;
                            assertArrayEquals(ref, got.indices()[i], where);
                            for (int j = 0; j < k; j++) {
                                assertEquals(ref[j] < 0 ? Double.NEGATIVE_INFINITY : dot(q, i, g, ref[j], dim),
                                        got.scores()[i][j], 0, where);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void reRankingGivenCandidatesIsExactOverThemWithTiesToTheLowerRow() {
        // Candidates from elsewhere (ONNX Runtime's integer scores), in any order: the best k of them by the float64
        // reference restricted to those rows, tie order included; every row as candidates gives the exact lists.
        Random r = new Random(29);
        int n = 260;
        int dim = 9;
        int nq = 6;
        float[] g = smallIntegers(r, n * dim);
        float[] q = smallIntegers(r, nq * dim);
        PackedRows packed = PackedRows.pack(g, n, dim);
        int[][] all = new int[nq][];
        int[][] some = new int[nq][];
        for (int i = 0; i < nq; i++) {
            List<Integer> rows = new ArrayList<>(IntStream.range(0, n).boxed().toList());
            Collections.shuffle(rows, r);
            all[i] = rows.stream().mapToInt(Integer::intValue).toArray();
            some[i] = Arrays.copyOf(all[i], 30);
        }
        for (int k : new int[] {1, 10, 40}) {
            ExactKnn.Neighbours got = ExactKnn.rerank(q, packed, all, k);
            ExactKnn.Neighbours few = ExactKnn.rerank(q, packed, some, k);
            for (int i = 0; i < nq; i++) {
                assertArrayEquals(reference(q, i, g, n, dim, k, -1), got.indices()[i], "k " + k + ", query " + i);
                int qi = i;
                int[] want = Arrays.stream(some[i]).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(row -> -dot(q, qi, g, row, dim))
                                .thenComparingInt(row -> row))
                        .mapToInt(Integer::intValue).toArray();
                int[] padded = Arrays.copyOf(want, k);
                Arrays.fill(padded, Math.min(k, want.length), k, -1);
                assertArrayEquals(padded, few.indices()[i], "30 candidates, k " + k + ", query " + i);
                for (int j = 0; j < Math.min(k, want.length); j++) {
                    assertEquals(dot(q, i, g, want[j], dim), few.scores()[i][j], 0);
                }
            }
        }
    }

    @Test
    void quantisedCandidatesAreTheTopByCodesWithTiesToTheLowerRow() {
        // Every dimension spans exactly 0..255, so the step is 1, the offset 0 and a code is the value − 128: the
        // codes rank rows exactly as the values do (a constant apart), so k candidates must already be the exact
        // top k, ties to the lower row.
        Random r = new Random(19);
        int n = 700;
        int dim = 21;
        int nq = 13;
        float[] g = new float[n * dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                g[i * dim + d] = i == 0 ? 0 : i == 1 ? 255 : 4 * r.nextInt(64);
            }
        }
        float[] q = smallIntegers(r, nq * dim);
        PackedRows packed = PackedRows.pack(g, n, dim);
        Int8Rows codes = Int8Rows.encode(packed);
        assertArrayEquals(new float[dim], codes.low());
        for (int k : new int[] {1, 5, 40}) {
            ExactKnn.Neighbours got = ExactKnn.searchQuantized(q, codes, packed, k, k);
            for (int i = 0; i < nq; i++) {
                assertArrayEquals(reference(q, i, g, n, dim, k, -1), got.indices()[i], "k " + k + ", query " + i);
            }
        }
    }

    @Test
    void quantisedSearchWithFourCandidatesPerResultGivesTheFloatScansListsOnGaussianData() {
        // Four candidates per result are too few to prove most lists here, so most queries go round again: whatever
        // the rounds, the lists must be the float32 scan's, ids and scores bit for bit.
        Random r = new Random(23);
        int n = 3_000;
        int dim = 64;
        int nq = 50;
        int k = 10;
        float[] g = gaussian(r, n * dim);
        float[] q = gaussian(r, nq * dim);
        PackedRows packed = PackedRows.pack(g, n, dim);
        ExactKnn.Neighbours got = ExactKnn.searchQuantized(q, Int8Rows.encode(packed), packed, k, 4 * k);
        ExactKnn.Neighbours scan = ExactKnn.searchWithScores(q, packed, k, -1);
        for (int i = 0; i < nq; i++) {
            assertArrayEquals(scan.indices()[i], got.indices()[i], "query " + i);
            assertArrayEquals(scan.scores()[i], got.scores()[i], "query " + i);
            assertArrayEquals(reference(q, i, g, n, dim, k, -1), got.indices()[i], "query " + i);
        }
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
