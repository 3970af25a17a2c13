package io.simforge.core.linalg;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DotKernel} with the Vector API, register-tiled: six queries × four SIMD registers of rows (64 rows with
 * AVX-512) accumulate in 24 of the 32 vector registers, so each loaded row vector feeds six fused multiply-adds and
 * each broadcast query value four. The dimension is walked in chunks of {@value #CHUNK}; within a chunk one slice of
 * the block (64 rows × 64 dims, 16 KiB) stays in L1 cache while every query of the batch passes over it, and partial
 * sums wait in {@code out} between chunks. Every tile shape adds in dimension order with fused multiply-adds, so a
 * query's scores are the same bit for bit whichever tile it lands in. Loaded only when the incubator module is
 * present (see {@link DotKernel#best()}).
 */
final class VectorDotKernel extends DotKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** As many bytes as {@link #S} has float lanes: one load of codes widens to one float vector. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * Byte.SIZE));
    /**
     * Dimensions per pass over a block of float rows: 64 rows × 64 dims fill a third of a 48 KiB L1, with room for
     * the queries' slices and the partial sums (32, 48, 96 and 128 measured level or slower: docs/benchmarks.md).
     */
    static final int CHUNK = 64;
    /** Dimensions per pass over a block of codes (a quarter of the bytes of floats; measured best of 32 to 512). */
    static final int CHUNK_INT8 = 128;

    VectorDotKernel() {
        if (PackedRows.BLOCK % (4 * L) != 0) {
            throw new LinkageError("block size " + PackedRows.BLOCK + " is not a multiple of 4 × " + L + " lanes");
        }
    }

    @Override
    public String name() {
        return "vector(" + L + " lanes)";
    }

    @Override
    void compute(float[] q, int q0, int count, int dim, float[] packed, int off, float[] out) {
        // Rows outside, queries inside: the rows' slice is read from L1 by every query of the batch.
        for (int d0 = 0; d0 < dim; d0 += CHUNK) {
            int d1 = Math.min(dim, d0 + CHUNK);
            for (int j = 0; j < PackedRows.BLOCK; j += 4 * L) {
                int i = 0;
                for (; i + 6 <= count; i += 6) {
                    sixQueries(q, (q0 + i) * dim, dim, d0, d1, packed, off + j, out, i * PackedRows.BLOCK + j);
                }
                for (; i + 4 <= count; i += 4) {
                    fourQueries(q, (q0 + i) * dim, dim, d0, d1, packed, off + j, out, i * PackedRows.BLOCK + j);
                }
                for (; i < count; i++) {
                    oneQuery(q, (q0 + i) * dim, d0, d1, packed, off + j, out, i * PackedRows.BLOCK + j);
                }
            }
        }
    }

    @Override
    void computeInt8(float[] q, int q0, int count, int dim, byte[] codes, int off, float[] out) {
        for (int d0 = 0; d0 < dim; d0 += CHUNK_INT8) {
            int d1 = Math.min(dim, d0 + CHUNK_INT8);
            int i = 0;
            for (; i + 4 <= count; i += 4) {
                for (int j = 0; j < PackedRows.BLOCK; j += 4 * L) {
                    fourQueriesInt8(q, (q0 + i) * dim, dim, d0, d1, codes, off + j, out, i * PackedRows.BLOCK + j);
                }
            }
            for (; i < count; i++) {
                for (int j = 0; j < PackedRows.BLOCK; j += 4 * L) {
                    oneQueryInt8(q, (q0 + i) * dim, d0, d1, codes, off + j, out, i * PackedRows.BLOCK + j);
                }
            }
        }
    }

    /** {@code L} codes from {@code codes[p …]} widened to floats (exact: every byte is a float). */
    private static FloatVector widen(byte[] codes, int p) {
        return (FloatVector) ByteVector.fromArray(B, codes, p).convertShape(VectorOperators.B2F, S, 0);
    }

    /** {@link #fourQueries} over codes: the same tile, each row vector widened from bytes once for four queries. */
    private static void fourQueriesInt8(float[] q, int r0, int dim, int d0, int d1, byte[] codes, int p, float[] out,
            int o) {
        final int b = PackedRows.BLOCK;
        FloatVector a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, e0, e1, e2, e3;
        if (d0 == 0) {
            a0 = FloatVector.zero(S);
            a1 = a0; a2 = a0; a3 = a0; b0 = a0; b1 = a0; b2 = a0; b3 = a0;
            c0 = a0; c1 = a0; c2 = a0; c3 = a0; e0 = a0; e1 = a0; e2 = a0; e3 = a0;
        } else {
            a0 = FloatVector.fromArray(S, out, o);
            b0 = FloatVector.fromArray(S, out, o + L);
            c0 = FloatVector.fromArray(S, out, o + 2 * L);
            e0 = FloatVector.fromArray(S, out, o + 3 * L);
            a1 = FloatVector.fromArray(S, out, o + b);
            b1 = FloatVector.fromArray(S, out, o + b + L);
            c1 = FloatVector.fromArray(S, out, o + b + 2 * L);
            e1 = FloatVector.fromArray(S, out, o + b + 3 * L);
            a2 = FloatVector.fromArray(S, out, o + 2 * b);
            b2 = FloatVector.fromArray(S, out, o + 2 * b + L);
            c2 = FloatVector.fromArray(S, out, o + 2 * b + 2 * L);
            e2 = FloatVector.fromArray(S, out, o + 2 * b + 3 * L);
            a3 = FloatVector.fromArray(S, out, o + 3 * b);
            b3 = FloatVector.fromArray(S, out, o + 3 * b + L);
            c3 = FloatVector.fromArray(S, out, o + 3 * b + 2 * L);
            e3 = FloatVector.fromArray(S, out, o + 3 * b + 3 * L);
        }
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        for (int d = d0, pp = p + d0 * b; d < d1; d++, pp += b) {
            FloatVector x = widen(codes, pp);
            FloatVector y = widen(codes, pp + L);
            FloatVector z = widen(codes, pp + 2 * L);
            FloatVector u = widen(codes, pp + 3 * L);
            FloatVector w = FloatVector.broadcast(S, q[r0 + d]);
            a0 = x.fma(w, a0);
            b0 = y.fma(w, b0);
            c0 = z.fma(w, c0);
            e0 = u.fma(w, e0);
            w = FloatVector.broadcast(S, q[r1 + d]);
            a1 = x.fma(w, a1);
            b1 = y.fma(w, b1);
            c1 = z.fma(w, c1);
            e1 = u.fma(w, e1);
            w = FloatVector.broadcast(S, q[r2 + d]);
            a2 = x.fma(w, a2);
            b2 = y.fma(w, b2);
            c2 = z.fma(w, c2);
            e2 = u.fma(w, e2);
            w = FloatVector.broadcast(S, q[r3 + d]);
            a3 = x.fma(w, a3);
            b3 = y.fma(w, b3);
            c3 = z.fma(w, c3);
            e3 = u.fma(w, e3);
        }
        a0.intoArray(out, o);
        b0.intoArray(out, o + L);
        c0.intoArray(out, o + 2 * L);
        e0.intoArray(out, o + 3 * L);
        a1.intoArray(out, o + b);
        b1.intoArray(out, o + b + L);
        c1.intoArray(out, o + b + 2 * L);
        e1.intoArray(out, o + b + 3 * L);
        a2.intoArray(out, o + 2 * b);
        b2.intoArray(out, o + 2 * b + L);
        c2.intoArray(out, o + 2 * b + 2 * L);
        e2.intoArray(out, o + 2 * b + 3 * L);
        a3.intoArray(out, o + 3 * b);
        b3.intoArray(out, o + 3 * b + L);
        c3.intoArray(out, o + 3 * b + 2 * L);
        e3.intoArray(out, o + 3 * b + 3 * L);
    }

    /** {@link #oneQuery} over codes. */
    private static void oneQueryInt8(float[] q, int r, int d0, int d1, byte[] codes, int p, float[] out, int o) {
        final int b = PackedRows.BLOCK;
        FloatVector a, c, e, f;
        if (d0 == 0) {
            a = FloatVector.zero(S);
            c = a;
            e = a;
            f = a;
        } else {
            a = FloatVector.fromArray(S, out, o);
            c = FloatVector.fromArray(S, out, o + L);
            e = FloatVector.fromArray(S, out, o + 2 * L);
            f = FloatVector.fromArray(S, out, o + 3 * L);
        }
        for (int d = d0, pp = p + d0 * b; d < d1; d++, pp += b) {
            FloatVector w = FloatVector.broadcast(S, q[r + d]);
            a = widen(codes, pp).fma(w, a);
            c = widen(codes, pp + L).fma(w, c);
            e = widen(codes, pp + 2 * L).fma(w, e);
            f = widen(codes, pp + 3 * L).fma(w, f);
        }
        a.intoArray(out, o);
        c.intoArray(out, o + L);
        e.intoArray(out, o + 2 * L);
        f.intoArray(out, o + 3 * L);
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

    /** Partial sums of an output tile: zero on the first chunk, else what the last chunk left in {@code out}. */
    private static FloatVector partial(float[] out, int o, boolean first) {
        return first ? FloatVector.zero(S) : FloatVector.fromArray(S, out, o);
    }

    /** Rows {@code 4L} wide from {@code p}, dimensions {@code d0 … d1−1}, for six consecutive query rows. */
    private static void sixQueries(float[] q, int r0, int dim, int d0, int d1, float[] packed, int p, float[] out,
            int o) {
        final int b = PackedRows.BLOCK;
        final boolean first = d0 == 0;
        FloatVector a0 = partial(out, o, first), b0 = partial(out, o + L, first);
        FloatVector c0 = partial(out, o + 2 * L, first), e0 = partial(out, o + 3 * L, first);
        FloatVector a1 = partial(out, o + b, first), b1 = partial(out, o + b + L, first);
        FloatVector c1 = partial(out, o + b + 2 * L, first), e1 = partial(out, o + b + 3 * L, first);
        FloatVector a2 = partial(out, o + 2 * b, first), b2 = partial(out, o + 2 * b + L, first);
        FloatVector c2 = partial(out, o + 2 * b + 2 * L, first), e2 = partial(out, o + 2 * b + 3 * L, first);
        FloatVector a3 = partial(out, o + 3 * b, first), b3 = partial(out, o + 3 * b + L, first);
        FloatVector c3 = partial(out, o + 3 * b + 2 * L, first), e3 = partial(out, o + 3 * b + 3 * L, first);
        FloatVector a4 = partial(out, o + 4 * b, first), b4 = partial(out, o + 4 * b + L, first);
        FloatVector c4 = partial(out, o + 4 * b + 2 * L, first), e4 = partial(out, o + 4 * b + 3 * L, first);
        FloatVector a5 = partial(out, o + 5 * b, first), b5 = partial(out, o + 5 * b + L, first);
        FloatVector c5 = partial(out, o + 5 * b + 2 * L, first), e5 = partial(out, o + 5 * b + 3 * L, first);
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        for (int d = d0, pp = p + d0 * b; d < d1; d++, pp += b) {
            FloatVector x = FloatVector.fromArray(S, packed, pp);
            FloatVector y = FloatVector.fromArray(S, packed, pp + L);
            FloatVector z = FloatVector.fromArray(S, packed, pp + 2 * L);
            FloatVector u = FloatVector.fromArray(S, packed, pp + 3 * L);
            FloatVector w = FloatVector.broadcast(S, q[r0 + d]);
            a0 = x.fma(w, a0);
            b0 = y.fma(w, b0);
            c0 = z.fma(w, c0);
            e0 = u.fma(w, e0);
            w = FloatVector.broadcast(S, q[r1 + d]);
            a1 = x.fma(w, a1);
            b1 = y.fma(w, b1);
            c1 = z.fma(w, c1);
            e1 = u.fma(w, e1);
            w = FloatVector.broadcast(S, q[r2 + d]);
            a2 = x.fma(w, a2);
            b2 = y.fma(w, b2);
            c2 = z.fma(w, c2);
            e2 = u.fma(w, e2);
            w = FloatVector.broadcast(S, q[r3 + d]);
            a3 = x.fma(w, a3);
            b3 = y.fma(w, b3);
            c3 = z.fma(w, c3);
            e3 = u.fma(w, e3);
            w = FloatVector.broadcast(S, q[r4 + d]);
            a4 = x.fma(w, a4);
            b4 = y.fma(w, b4);
            c4 = z.fma(w, c4);
            e4 = u.fma(w, e4);
            w = FloatVector.broadcast(S, q[r5 + d]);
            a5 = x.fma(w, a5);
            b5 = y.fma(w, b5);
            c5 = z.fma(w, c5);
            e5 = u.fma(w, e5);
        }
        a0.intoArray(out, o);
        b0.intoArray(out, o + L);
        c0.intoArray(out, o + 2 * L);
        e0.intoArray(out, o + 3 * L);
        a1.intoArray(out, o + b);
        b1.intoArray(out, o + b + L);
        c1.intoArray(out, o + b + 2 * L);
        e1.intoArray(out, o + b + 3 * L);
        a2.intoArray(out, o + 2 * b);
        b2.intoArray(out, o + 2 * b + L);
        c2.intoArray(out, o + 2 * b + 2 * L);
        e2.intoArray(out, o + 2 * b + 3 * L);
        a3.intoArray(out, o + 3 * b);
        b3.intoArray(out, o + 3 * b + L);
        c3.intoArray(out, o + 3 * b + 2 * L);
        e3.intoArray(out, o + 3 * b + 3 * L);
        a4.intoArray(out, o + 4 * b);
        b4.intoArray(out, o + 4 * b + L);
        c4.intoArray(out, o + 4 * b + 2 * L);
        e4.intoArray(out, o + 4 * b + 3 * L);
        a5.intoArray(out, o + 5 * b);
        b5.intoArray(out, o + 5 * b + L);
        c5.intoArray(out, o + 5 * b + 2 * L);
        e5.intoArray(out, o + 5 * b + 3 * L);
    }

    /** Rows {@code 4L} wide from {@code p}, dimensions {@code d0 … d1−1}, for four consecutive query rows. */
    private static void fourQueries(float[] q, int r0, int dim, int d0, int d1, float[] packed, int p, float[] out,
            int o) {
        final int b = PackedRows.BLOCK;
        FloatVector a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, e0, e1, e2, e3;
        if (d0 == 0) {
            a0 = FloatVector.zero(S);
            a1 = a0; a2 = a0; a3 = a0; b0 = a0; b1 = a0; b2 = a0; b3 = a0;
            c0 = a0; c1 = a0; c2 = a0; c3 = a0; e0 = a0; e1 = a0; e2 = a0; e3 = a0;
        } else {
            a0 = FloatVector.fromArray(S, out, o);
            b0 = FloatVector.fromArray(S, out, o + L);
            c0 = FloatVector.fromArray(S, out, o + 2 * L);
            e0 = FloatVector.fromArray(S, out, o + 3 * L);
            a1 = FloatVector.fromArray(S, out, o + b);
            b1 = FloatVector.fromArray(S, out, o + b + L);
            c1 = FloatVector.fromArray(S, out, o + b + 2 * L);
            e1 = FloatVector.fromArray(S, out, o + b + 3 * L);
            a2 = FloatVector.fromArray(S, out, o + 2 * b);
            b2 = FloatVector.fromArray(S, out, o + 2 * b + L);
            c2 = FloatVector.fromArray(S, out, o + 2 * b + 2 * L);
            e2 = FloatVector.fromArray(S, out, o + 2 * b + 3 * L);
            a3 = FloatVector.fromArray(S, out, o + 3 * b);
            b3 = FloatVector.fromArray(S, out, o + 3 * b + L);
            c3 = FloatVector.fromArray(S, out, o + 3 * b + 2 * L);
            e3 = FloatVector.fromArray(S, out, o + 3 * b + 3 * L);
        }
        int r1 = r0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        for (int d = d0, pp = p + d0 * b; d < d1; d++, pp += b) {
            FloatVector x = FloatVector.fromArray(S, packed, pp);
            FloatVector y = FloatVector.fromArray(S, packed, pp + L);
            FloatVector z = FloatVector.fromArray(S, packed, pp + 2 * L);
            FloatVector u = FloatVector.fromArray(S, packed, pp + 3 * L);
            FloatVector w = FloatVector.broadcast(S, q[r0 + d]);
            a0 = x.fma(w, a0);
            b0 = y.fma(w, b0);
            c0 = z.fma(w, c0);
            e0 = u.fma(w, e0);
            w = FloatVector.broadcast(S, q[r1 + d]);
            a1 = x.fma(w, a1);
            b1 = y.fma(w, b1);
            c1 = z.fma(w, c1);
            e1 = u.fma(w, e1);
            w = FloatVector.broadcast(S, q[r2 + d]);
            a2 = x.fma(w, a2);
            b2 = y.fma(w, b2);
            c2 = z.fma(w, c2);
            e2 = u.fma(w, e2);
            w = FloatVector.broadcast(S, q[r3 + d]);
            a3 = x.fma(w, a3);
            b3 = y.fma(w, b3);
            c3 = z.fma(w, c3);
            e3 = u.fma(w, e3);
        }
        a0.intoArray(out, o);
        b0.intoArray(out, o + L);
        c0.intoArray(out, o + 2 * L);
        e0.intoArray(out, o + 3 * L);
        a1.intoArray(out, o + b);
        b1.intoArray(out, o + b + L);
        c1.intoArray(out, o + b + 2 * L);
        e1.intoArray(out, o + b + 3 * L);
        a2.intoArray(out, o + 2 * b);
        b2.intoArray(out, o + 2 * b + L);
        c2.intoArray(out, o + 2 * b + 2 * L);
        e2.intoArray(out, o + 2 * b + 3 * L);
        a3.intoArray(out, o + 3 * b);
        b3.intoArray(out, o + 3 * b + L);
        c3.intoArray(out, o + 3 * b + 2 * L);
        e3.intoArray(out, o + 3 * b + 3 * L);
    }

    /** The leftover queries (fewer than four), one at a time over the same {@code 4L} rows. */
    private static void oneQuery(float[] q, int r, int d0, int d1, float[] packed, int p, float[] out, int o) {
        final int b = PackedRows.BLOCK;
        FloatVector a, c, e, f;
        if (d0 == 0) {
            a = FloatVector.zero(S);
            c = a;
            e = a;
            f = a;
        } else {
            a = FloatVector.fromArray(S, out, o);
            c = FloatVector.fromArray(S, out, o + L);
            e = FloatVector.fromArray(S, out, o + 2 * L);
            f = FloatVector.fromArray(S, out, o + 3 * L);
        }
        for (int d = d0, pp = p + d0 * b; d < d1; d++, pp += b) {
            FloatVector w = FloatVector.broadcast(S, q[r + d]);
            a = FloatVector.fromArray(S, packed, pp).fma(w, a);
            c = FloatVector.fromArray(S, packed, pp + L).fma(w, c);
            e = FloatVector.fromArray(S, packed, pp + 2 * L).fma(w, e);
            f = FloatVector.fromArray(S, packed, pp + 3 * L).fma(w, f);
        }
        a.intoArray(out, o);
        c.intoArray(out, o + L);
        e.intoArray(out, o + 2 * L);
        f.intoArray(out, o + 3 * L);
    }

    @Override
    boolean anyAboveUnchecked(float[] v, int off, float threshold) {
        for (int j = 0; j < PackedRows.BLOCK; j += L) {
            if (FloatVector.fromArray(S, v, off + j).compare(VectorOperators.GT, threshold).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    @Override
    int firstAboveUnchecked(java.nio.ByteBuffer ints, int from, int to, int threshold) {
        java.nio.ByteOrder order = ints.order();
        int j = from;
        for (int lanes = INTS.length(); j + lanes <= to; j += lanes) {
            VectorMask<Integer> above = IntVector.fromByteBuffer(INTS, ints, j * Integer.BYTES, order)
                    .compare(VectorOperators.GT, threshold);
            if (above.anyTrue()) {
                return j + above.firstTrue();
            }
        }
        for (; j < to; j++) {
            if (ints.getInt(j * Integer.BYTES) > threshold) {
                return j;
            }
        }
        return to;
    }
}
