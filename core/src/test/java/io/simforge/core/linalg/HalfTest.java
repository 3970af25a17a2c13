package io.simforge.core.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfTest {

    @Test
    void knownValues() {
        assertEquals(0x3c00, Half.fromFloat(1f) & 0xffff);
        assertEquals(0xc000, Half.fromFloat(-2f) & 0xffff);
        assertEquals(0x7bff, Half.fromFloat(65504f) & 0xffff, "largest half");
        assertEquals(0x7c00, Half.fromFloat(65520f) & 0xffff, "rounds up to infinity");
        assertEquals(0x7bff, Half.fromFloat(65519.99f) & 0xffff);
        assertEquals(0x0001, Half.fromFloat(0x1p-24f) & 0xffff, "smallest subnormal");
        assertEquals(0x0000, Half.fromFloat(0x1p-25f) & 0xffff, "half of it ties to even: zero");
        assertEquals(0x0400, Half.fromFloat(0x1p-14f) & 0xffff, "smallest normal");
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
        assertEquals(Float.NEGATIVE_INFINITY, Half.toFloat(Half.fromFloat(Float.NEGATIVE_INFINITY)));
        assertEquals(1 + 0x1p-10f, Half.toFloat((short) 0x3c01));
    }

    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Half.toFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals(h, Half.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    /** Against a brute-force search for the nearest half (ties to the even significand). */
    @Test
    void randomFloatsRoundToTheNearestHalf() {
        float[] positives = new float[0x7c01]; // every finite positive half and +inf, in increasing order
        for (int h = 0; h <= 0x7c00; h++) {
            positives[h] = Half.toFloat((short) h);
        }
        Random r = new Random(8);
        for (int i = 0; i < 200_000; i++) {
            float f = i % 3 == 0 ? (float) (r.nextGaussian() * 100) : i % 3 == 1 ? r.nextFloat() * 1e-4f
                    : Half.toFloat((short) r.nextInt(0x7bff)) + Half.toFloat((short) 0x0001) * (r.nextInt(3) - 1) * 0.5f;
            float a = Math.abs(f);
            int lo = 0;
            int hi = 0x7c00;
            while (hi - lo > 1) { // largest half <= a
                int mid = (lo + hi) >>> 1;
                if (positives[mid] <= a) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            int expected;
            double dLo = a - (double) positives[lo];
            double dHi = lo == 0x7c00 ? Double.POSITIVE_INFINITY : (double) positives[lo + 1] - a;
            if (a >= 65520f) {
                expected = 0x7c00;
            } else if (dLo < dHi || (dLo == dHi && (lo & 1) == 0)) {
                expected = lo;
            } else {
                expected = lo + 1;
            }
            if (f < 0 || (f == 0 && 1 / f < 0)) {
                expected |= 0x8000;
            }
            assertEquals(expected, Half.fromFloat(f) & 0xffff, "float " + f);
        }
    }
}
