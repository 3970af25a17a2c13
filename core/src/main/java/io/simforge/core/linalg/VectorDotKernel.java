package io.simforge.core.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DotKernel} with the Vector API: four queries × two SIMD registers of rows accumulate in eight
 * registers across the whole dimension, so each loaded row vector feeds four fused multiply-adds. Loaded
 * only when the incubator module is present (see {@link DotKernel#best()}).
 */
final class VectorDotKernel extends DotKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    VectorDotKernel() {
        if (PackedRows.BLOCK % (2 * L) != 0) {
            throw new LinkageError("block size " + PackedRows.BLOCK + " is not a multiple of 2 × " + L + " lanes");
        }
    }

    @Override
    public String name() {
        return "vector(" + L + " lanes)";
    }

    @Override
    void compute(float[] q, int q0, int count, int dim, float[] packed, int off, float[] out) {
        final int b = PackedRows.BLOCK;
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int r0 = (q0 + i) * dim;
            int r1 = r0 + dim;
            int r2 = r1 + dim;
            int r3 = r2 + dim;
            for (int j = 0; j < b; j += 2 * L) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector c0 = a0;
                FloatVector c1 = a0;
                FloatVector c2 = a0;
                FloatVector c3 = a0;
                for (int d = 0, p = off + j; d < dim; d++, p += b) {
                    FloatVector x = FloatVector.fromArray(S, packed, p);
                    FloatVector y = FloatVector.fromArray(S, packed, p + L);
                    FloatVector w0 = FloatVector.broadcast(S, q[r0 + d]);
                    FloatVector w1 = FloatVector.broadcast(S, q[r1 + d]);
                    FloatVector w2 = FloatVector.broadcast(S, q[r2 + d]);
                    FloatVector w3 = FloatVector.broadcast(S, q[r3 + d]);
                    a0 = x.fma(w0, a0);
                    a1 = x.fma(w1, a1);
                    a2 = x.fma(w2, a2);
                    a3 = x.fma(w3, a3);
                    c0 = y.fma(w0, c0);
                    c1 = y.fma(w1, c1);
                    c2 = y.fma(w2, c2);
                    c3 = y.fma(w3, c3);
                }
                int o = i * b + j;
                a0.intoArray(out, o);
                c0.intoArray(out, o + L);
                a1.intoArray(out, o + b);
                c1.intoArray(out, o + b + L);
                a2.intoArray(out, o + 2 * b);
                c2.intoArray(out, o + 2 * b + L);
                a3.intoArray(out, o + 3 * b);
                c3.intoArray(out, o + 3 * b + L);
            }
        }
        for (; i < count; i++) {
            int r = (q0 + i) * dim;
            for (int j = 0; j < b; j += L) {
                FloatVector a = FloatVector.zero(S);
                for (int d = 0, p = off + j; d < dim; d++, p += b) {
                    a = FloatVector.fromArray(S, packed, p).fma(FloatVector.broadcast(S, q[r + d]), a);
                }
                a.intoArray(out, i * b + j);
            }
        }
    }

    /** Two accumulators hide the latency of dependent fused multiply-adds; the tail is scalar. */
    @Override
    float pairDot(float[] a, int aOff, float[] b, int bOff, int length) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        int i = 0;
        for (int end = length - 2 * L; i <= end; i += 2 * L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            s1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
        }
        if (i + L <= length) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            i += L;
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < length; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
