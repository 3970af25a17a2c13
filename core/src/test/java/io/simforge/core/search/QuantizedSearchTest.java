package io.simforge.core.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Searching through the codes gives the float32 scan's lists bit for bit, whatever the data and however many rounds the
 * proof needs; the Java kernel's bound holds for every row it leaves out, checked in float64.
 */
class QuantizedSearchTest {

    @Test
    void listsAreTheFloatScansOnClusteredDataWithDuplicatesAndTies() {
        // Rows in tight clusters, many exact duplicates (equal scores, so ties decide the order) and near-duplicates a
        // fraction of a step apart: the codes cannot tell these apart, so only the proof and the re-rank can.
        Random r = new Random(3);
        for (int dim : new int[] {5, 16, 33}) {
            int n = 1_500;
            float[] centres = gaussian(r, 12 * dim);
            float[] g = new float[n * dim];
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(12);
                boolean duplicate = i > 0 && r.nextInt(4) == 0;
                for (int d = 0; d < dim; d++) {
                    g[i * dim + d] = duplicate ? g[(i - 1) * dim + d]
                            : centres[c * dim + d] + (float) r.nextGaussian() * (r.nextBoolean() ? 0.05f : 1e-5f);
                }
            }
            float[] q = new float[40 * dim];
            for (int i = 0; i < 40; i++) {
                System.arraycopy(g, r.nextInt(n) * dim, q, i * dim, dim); // queries on top of clusters: many near ties
            }
            PackedRows packed = PackedRows.pack(g, n, dim);
            Int8Rows codes = Int8Rows.encode(packed);
            for (int k : new int[] {1, 10, 50}) {
                QuantizedSearch.Result got = QuantizedSearch.search(q, codes, packed, k, k,
                        QuantizedSearch.javaKernel(codes));
                assertSameLists(ExactKnn.searchWithScores(q, packed, k, -1), got.neighbours(), "dim " + dim + ", k " + k);
                assertTrue(got.requeried(k) > 0, "the proof must fail for some query here, or this tests one round only");
            }
        }
    }

    @Test
    void eachShapeGivesTheScansListsFromOneRowUp() {
        Random r = new Random(5);
        for (int n : new int[] {1, 2, 63, 64, 65, 200}) {
            for (int dim : new int[] {1, 7, 17}) {
                float[] g = gaussian(r, n * dim);
                float[] q = gaussian(r, 13 * dim);
                PackedRows packed = PackedRows.pack(g, n, dim);
                Int8Rows codes = Int8Rows.encode(packed);
                for (int k : new int[] {1, 3, n}) {
                    for (int first : new int[] {k, 2 * k + 1}) {
                        QuantizedSearch.Result got = QuantizedSearch.search(q, codes, packed, k, first,
                                QuantizedSearch.javaKernel(codes));
                        assertSameLists(ExactKnn.searchWithScores(q, packed, k, -1), got.neighbours(),
                                "n " + n + ", dim " + dim + ", k " + k + ", first " + first);
                    }
                }
            }
        }
    }

    @Test
    void theJavaKernelsBoundHoldsForEveryRowLeftOut() {
        Random r = new Random(7);
        int n = 2_000;
        int dim = 45;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (r.nextGaussian() * (1 + i % dim) + (i % dim == 2 ? 40 : 0)); // one dimension far from 0
        }
        float[] q = gaussian(r, 30 * dim);
        PackedRows packed = PackedRows.pack(g, n, dim);
        Int8Rows codes = Int8Rows.encode(packed);
        for (int perQuery : new int[] {1, 10, 300}) {
            QuantizedSearch.Candidates picked = QuantizedSearch.javaKernel(codes).pick(q, perQuery);
            for (int i = 0; i < 30; i++) {
                assertEquals(perQuery, picked.rows()[i].length);
                boolean[] kept = new boolean[n];
                for (int j = 0; j < perQuery; j++) {
                    int row = picked.rows()[i][j];
                    kept[row] = true;
                    double s = dot(q, i, g, row, dim);
                    assertTrue(s <= picked.upper()[i][j], "query " + i + ", candidate " + row + ": " + s + " above "
                            + "its bound " + picked.upper()[i][j]);
                }
                double bestLeftOut = Double.NEGATIVE_INFINITY;
                for (int row = 0; row < n; row++) {
                    if (!kept[row]) {
                        bestLeftOut = Math.max(bestLeftOut, dot(q, i, g, row, dim));
                    }
                }
                double bound = picked.excludedBound()[i];
                assertTrue(bestLeftOut <= bound, "query " + i + ": a row left out scores " + bestLeftOut
                        + " above the bound " + bound);
                // and the bound is of use: within a few steps' worth of the best row left out
                assertTrue(bound - bestLeftOut < 0.2 * Math.abs(bestLeftOut) + 50, "query " + i + " bound " + bound);
            }
        }
    }

    @Test
    void aPickerThatProvesNothingFallsBackToTheScan() {
        // Random candidates and an infinite bound: no round can prove anything, so the answer must come from the
        // float32 scan itself, after the candidates have grown past the rows.
        Random r = new Random(11);
        int n = 700;
        int dim = 9;
        float[] g = gaussian(r, n * dim);
        float[] q = gaussian(r, 6 * dim);
        PackedRows packed = PackedRows.pack(g, n, dim);
        Int8Rows codes = Int8Rows.encode(packed);
        int[] rounds = new int[1];
        QuantizedSearch.CandidatePicker useless = (queries, perQuery) -> {
            rounds[0]++;
            int count = queries.length / dim;
            double[] excluded = new double[count];
            Arrays.fill(excluded, Double.POSITIVE_INFINITY);
            double[][] upper = new double[count][perQuery];
            for (double[] u : upper) {
                Arrays.fill(u, Double.POSITIVE_INFINITY);
            }
            int[][] rows = IntStream.range(0, count).mapToObj(i -> r.ints(0, n).distinct().limit(perQuery).toArray())
                    .toArray(int[][]::new);
            return new QuantizedSearch.Candidates(rows, upper, excluded);
        };
        QuantizedSearch.Result got = QuantizedSearch.search(q, codes, packed, 5, 10, useless);
        assertSameLists(ExactKnn.searchWithScores(q, packed, 5, -1), got.neighbours(), "useless picker");
        assertEquals(3, rounds[0], "10, 80 and 640 candidates, then the scan");
        assertTrue(Arrays.stream(got.candidatesUsed()).allMatch(c -> c == n));
    }

    @Test
    void refusesMismatchedCodesAndTooFewCandidates() {
        PackedRows packed = PackedRows.pack(new float[] {1, 0, 0, 1}, 2, 2);
        Int8Rows other = Int8Rows.encode(PackedRows.pack(new float[] {1, 0}, 1, 2));
        QuantizedSearch.CandidatePicker picker = QuantizedSearch.javaKernel(other);
        assertThrows(IllegalArgumentException.class,
                () -> QuantizedSearch.search(new float[] {1, 0}, other, packed, 1, 1, picker));
        Int8Rows codes = Int8Rows.encode(packed);
        assertThrows(IllegalArgumentException.class,
                () -> QuantizedSearch.search(new float[] {1, 0}, codes, packed, 2, 1, QuantizedSearch.javaKernel(codes)));
    }

    private static void assertSameLists(ExactKnn.Neighbours want, ExactKnn.Neighbours got, String where) {
        for (int i = 0; i < want.indices().length; i++) {
            assertArrayEquals(want.indices()[i], got.indices()[i], where + ", query " + i);
            assertArrayEquals(want.scores()[i], got.scores()[i], where + ", query " + i);
        }
    }

    private static double dot(float[] q, int qi, float[] g, int gi, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) q[qi * dim + d] * g[gi * dim + d];
        }
        return s;
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}
