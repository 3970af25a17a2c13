package io.simforge.core.linalg;

import java.util.Arrays;

/** {@link DotKernel} in plain Java: an axpy over the block's rows, which the JIT can partly vectorise. */
final class PlainDotKernel extends DotKernel {
    static final PlainDotKernel INSTANCE = new PlainDotKernel();

    @Override
    public String name() {
        return "plain";
    }

    @Override
    void compute(float[] q, int q0, int count, int dim, float[] packed, int off, float[] out) {
        final int b = PackedRows.BLOCK;
        for (int i = 0; i < count; i++) {
            int o = i * b;
            Arrays.fill(out, o, o + b, 0f);
            int qo = (q0 + i) * dim;
            for (int d = 0; d < dim; d++) {
                float a = q[qo + d];
                int p = off + d * b;
                for (int j = 0; j < b; j++) {
                    out[o + j] += a * packed[p + j];
                }
            }
        }
    }

    @Override
    void computeInt8(float[] q, int q0, int count, int dim, byte[] codes, int off, float[] out) {
        final int b = PackedRows.BLOCK;
        for (int i = 0; i < count; i++) {
            int o = i * b;
            Arrays.fill(out, o, o + b, 0f);
            int qo = (q0 + i) * dim;
            for (int d = 0; d < dim; d++) {
                float a = q[qo + d];
                int p = off + d * b;
                for (int j = 0; j < b; j++) {
                    out[o + j] = Math.fma(codes[p + j], a, out[o + j]); // as the SIMD kernel rounds
                }
            }
        }
    }

    @Override
    float pairDot(float[] a, int aOff, float[] b, int bOff, int length) {
        float s = 0;
        for (int i = 0; i < length; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    boolean anyAboveUnchecked(float[] v, int off, float threshold) {
        for (int j = 0; j < PackedRows.BLOCK; j++) {
            if (v[off + j] > threshold) {
                return true;
            }
        }
        return false;
    }

    @Override
    int firstAboveUnchecked(java.nio.ByteBuffer ints, int from, int to, int threshold) {
        for (int j = from; j < to; j++) {
            if (ints.getInt(j * Integer.BYTES) > threshold) {
                return j;
            }
        }
        return to;
    }
}
