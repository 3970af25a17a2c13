package io.simforge.core.search;

/**
 * Selection of the n-th smallest of a range of longs in place: how top-k lists whose entries are ranking keys (one long
 * per candidate, ordered as the ranking is) are cut back to their best without sorting.
 */
public final class Selection {
    private Selection() {}

    /**
     * Rearranges {@code a[lo … hi]} so that {@code a[n]} is what sorting would put there, smaller keys before it and
     * larger after (quickselect, median-of-three pivot; linear time on average).
     */
    public static void nth(long[] a, int lo, int hi, int n) {
        java.util.Objects.checkFromToIndex(lo, hi + 1, a.length);
        if (n < lo || n > hi) {
            throw new IllegalArgumentException("position " + n + " is outside " + lo + " … " + hi);
        }
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // Median of three as the pivot, moved to hi.
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[mid] < a[hi]) {
                swap(a, mid, hi);
            }
            long pivot = a[hi];
            int store = lo;
            for (int i = lo; i < hi; i++) {
                if (a[i] < pivot) {
                    swap(a, i, store++);
                }
            }
            swap(a, store, hi);
            if (store == n) {
                return;
            } else if (store < n) {
                lo = store + 1;
            } else {
                hi = store - 1;
            }
        }
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
