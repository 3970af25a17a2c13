package io.simforge.core.linalg;

/**
 * IEEE 754 half precision (binary16) conversions, for galleries stored in half the memory. Java 17 has no
 * {@code Float.floatToFloat16}, so these are written out: rounding to nearest, ties to even; overflow to
 * infinity; NaN stays NaN.
 */
public final class Half {
    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < TO_FLOAT.length; h++) {
            TO_FLOAT[h] = decode(h);
        }
    }

    private Half() {}

    public static float toFloat(short h) {
        return TO_FLOAT[h & 0xffff];
    }

    public static short fromFloat(float f) {
        int sign = (Float.floatToRawIntBits(f) >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float a = Math.abs(f);
        if (a >= 65520f) { // halfway between the largest half (65504) and the next power of two rounds up
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14f) { // subnormal halves are multiples of 2^-24
            return (short) (sign | (int) Math.rint(a * 0x1p24f));
        }
        int e = Math.getExponent(a);
        // The significand with 10 fraction bits, rounded; 2048 carries into the exponent, which the addition does.
        int m = (int) Math.rint(Math.scalb(a, 10 - e));
        return (short) (sign | (((e + 15) << 10) + (m - 1024)));
    }

    private static float decode(int h) {
        int sign = (h & 0x8000) != 0 ? -1 : 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            return sign * Math.scalb((float) mant, -24);
        }
        if (exp == 31) {
            return mant == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * Math.scalb((float) (1024 + mant), exp - 25);
    }
}
