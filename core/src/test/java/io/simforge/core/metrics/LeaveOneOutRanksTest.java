package io.simforge.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.linalg.PackedRows;
import io.simforge.core.metrics.RetrievalMetrics.QueryOutcome;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The counting pass against a float64 reference that ranks every other item for every query. Coordinates are
 * multiples of 1/4 in a few dimensions, so float and double scores are exact and equal, and exact ties (broken by the
 * lower index) are common.
 */
class LeaveOneOutRanksTest {

    @Test
    void everyQueryMatchesAFullFloat64Ranking() {
        // Several blocks of 128 rows (the last one partial), class sizes from 1 to 200 (one spans two blocks of its own).
        check(data(901, 7, new int[] {1, 2, 3, 5, 9, 40, 200}, 11), 7, new int[] {1, 3, 10, 100}, 11);
        check(data(300, 33, new int[] {1, 4, 17}, 12), 33, new int[] {1, 2, 1000}, 12);
    }

    @Test
    void smallLargestKStopsCountingEarlyButStaysExactBelowIt() {
        check(data(700, 5, new int[] {2, 60, 150}, 13), 5, new int[] {1, 2}, 13);
    }

    @Test
    void duplicatesTieByIndexAndNaNRanksNowhere() {
        Data d = data(400, 4, new int[] {3, 8}, 14);
        System.arraycopy(d.x, 10 * 4, d.x, 11 * 4, 4); // items 10, 11, 12 identical, different labels
        System.arraycopy(d.x, 10 * 4, d.x, 12 * 4, 4);
        d.y[11] = d.y[10];
        java.util.Arrays.fill(d.x, 20 * 4, 21 * 4, Float.NaN); // item 20: every score with it is NaN
        check(d, 4, new int[] {1, 5, 50}, 14);
    }

    @Test
    void veryLargeClassesFallBackToNeighbourListsWithTheSameMetrics() {
        int n = 3000;
        Data d = data(n, 3, new int[] {n}, 15);
        for (int i = 0; i < n; i++) {
            d.y[i] = i < 2950 ? 0 : 1 + i % 7;
        }
        assertFalse(LeaveOneOutRanks.fits(d.y));
        assertTrue(LeaveOneOutRanks.fits(new int[] {1, 2, 3, 1}));
        int[] ks = {1, 10};
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(d.x, 3, d.y, ks);
        QueryOutcome[] ref = reference(d.x, 3, d.y);
        RetrievalMetrics.Summary sum = new RetrievalMetrics.Summary(ks, true);
        for (QueryOutcome o : ref) {
            sum.add(o);
        }
        RetrievalMetrics.Scores expected = sum.scores();
        assertEquals(expected.mapAtR(), s.mapAtR(), 1e-12);
        assertEquals(expected.rPrecision(), s.rPrecision(), 1e-12);
        assertEquals(expected.recallAtK(), s.recallAtK());
    }

    private static void check(Data d, int dim, int[] ks, long seed) {
        int maxK = java.util.Arrays.stream(ks).max().getAsInt();
        QueryOutcome[] ref = reference(d.x, dim, d.y);
        PackedRows packed = PackedRows.pack(d.x, d.y.length, dim);
        for (boolean ranking : new boolean[] {true, false}) {
            QueryOutcome[] got = LeaveOneOutRanks.outcomes(d.x, packed, d.y, maxK, ranking);
            for (int q = 0; q < ref.length; q++) {
                String at = "query " + q + " (seed " + seed + ", ranking " + ranking + ")";
                assertEquals(ref[q].relevant(), got[q].relevant(), at);
                if (ref[q].firstHit() < maxK) {
                    assertEquals(ref[q].firstHit(), got[q].firstHit(), at);
                } else {
                    assertTrue(got[q].firstHit() >= maxK, at + ": first hit " + got[q].firstHit());
                }
                if (ranking) {
                    assertEquals(ref[q].averagePrecision(), got[q].averagePrecision(), 1e-12, at);
                    assertEquals(ref[q].rPrecision(), got[q].rPrecision(), 1e-12, at);
                }
            }
        }
        // And through the public entry point, summed.
        RetrievalMetrics.Summary sum = new RetrievalMetrics.Summary(ks, true);
        for (QueryOutcome o : ref) {
            sum.add(o);
        }
        RetrievalMetrics.Scores expected = sum.scores();
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(d.x, dim, d.y, ks);
        assertEquals(expected.recallAtK(), s.recallAtK());
        assertEquals(expected.mapAtR(), s.mapAtR(), 1e-12);
        assertEquals(expected.rPrecision(), s.rPrecision(), 1e-12);
        assertEquals(expected.precisionAt1(), s.precisionAt1(), 1e-12);
    }

    /**
     * Every other item ranked by float64 score (descending, then index); NaN scores left out. The scores are multiples
     * of 1/16 (quarters times quarters), so each ranks by one long: the negated score in sixteenths, then the index.
     */
    private static QueryOutcome[] reference(float[] x, int dim, int[] y) {
        int n = y.length;
        QueryOutcome[] out = new QueryOutcome[n];
        long[] ranked = new long[n];
        for (int q = 0; q < n; q++) {
            int size = 0;
            int relevant = 0;
            for (int g = 0; g < n; g++) {
                if (g == q) {
                    continue;
                }
                if (y[g] == y[q]) {
                    relevant++;
                }
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (double) x[q * dim + d] * x[g * dim + d];
                }
                if (!Double.isNaN(s)) {
                    assertEquals(Math.rint(s * 16), s * 16, 0.0, "test data must score in sixteenths");
                    ranked[size++] = (-(long) (s * 16) << 32) | g;
                }
            }
            java.util.Arrays.sort(ranked, 0, size);
            int first = Integer.MAX_VALUE;
            int hits = 0;
            double precisionSum = 0;
            for (int rank = 0; rank < size; rank++) {
                if (y[(int) ranked[rank]] == y[q]) {
                    first = Math.min(first, rank);
                    if (rank < relevant) {
                        hits++;
                        precisionSum += hits / (double) (rank + 1);
                    }
                }
            }
            out[q] = relevant == 0 ? new QueryOutcome(first, 0, 0, 0)
                    : new QueryOutcome(first, relevant, precisionSum / relevant, hits / (double) relevant);
        }
        return out;
    }

    private record Data(float[] x, int[] y) {}

    /** Classes of the given sizes, cycled until n items; each item its class's centre plus noise, in quarters. */
    private static Data data(int n, int dim, int[] sizes, long seed) {
        Random r = new Random(seed);
        int[] y = new int[n];
        int label = 0;
        int left = sizes[0];
        for (int i = 0, s = 0; i < n; i++) {
            if (left == 0) {
                label++;
                s = (s + 1) % sizes.length;
                left = sizes[s];
            }
            y[i] = label;
            left--;
        }
        // Shuffle so that classes spread over blocks.
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = y[i];
            y[i] = y[j];
            y[j] = t;
        }
        int[][] centre = new int[label + 1][dim];
        for (int[] c : centre) {
            for (int d = 0; d < dim; d++) {
                c[d] = r.nextInt(5) - 2;
            }
        }
        float[] x = new float[n * dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = (centre[y[i]][d] + r.nextInt(7) - 3) / 4f;
            }
        }
        return new Data(x, y);
    }
}
