package io.simforge.core.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The n-th smallest against a sorted copy, with duplicates and extreme values, on sub-ranges. */
class SelectionTest {

    @Test
    void theNthIsWhereSortingPutsItWithSmallerBeforeAndLargerAfter() {
        Random r = new Random(3);
        for (int t = 0; t < 500; t++) {
            int n = 1 + r.nextInt(80);
            long[] a = new long[n];
            for (int i = 0; i < n; i++) {
                a[i] = t % 3 == 0 ? r.nextInt(5) : i % 17 == 0 ? (i % 2 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r.nextLong();
            }
            int lo = r.nextInt(n);
            int hi = lo + r.nextInt(n - lo);
            int nth = lo + r.nextInt(hi - lo + 1);
            long[] sorted = Arrays.copyOfRange(a, lo, hi + 1);
            Arrays.sort(sorted);
            long[] before = a.clone();
            Selection.nth(a, lo, hi, nth);
            assertEquals(sorted[nth - lo], a[nth]);
            for (int i = lo; i <= hi; i++) {
                assertTrue(i < nth ? a[i] <= a[nth] : a[i] >= a[nth], "position " + i);
            }
            long[] range = Arrays.copyOfRange(a, lo, hi + 1);
            Arrays.sort(range);
            assertEquals(Arrays.toString(sorted), Arrays.toString(range), "the range keeps its values");
            for (int i = 0; i < n; i++) {
                if (i < lo || i > hi) {
                    assertEquals(before[i], a[i], "outside the range nothing moves");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Selection.nth(new long[3], 0, 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> Selection.nth(new long[3], 0, 3, 1));
    }
}
