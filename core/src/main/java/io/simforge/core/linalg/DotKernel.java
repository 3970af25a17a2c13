package io.simforge.core.linalg;

import java.nio.ByteBuffer;

/**
 * Inner products of a few query rows with one block of {@link PackedRows}: the one hot loop behind exact
 * search, Recall@K, MAP@R and k-means.
 *
 * <p>Two implementations compute the same thing: one with the JDK's Vector API (SIMD; about 15× faster
 * on AVX-512 here, see docs/benchmarks.md) and a plain-Java one. The Vector API is still an incubator
 * module in Java 17, so it is used only when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the {@code simforge} launcher and the tests do this);
 * otherwise {@link #best()} quietly returns the plain one.
 */
public abstract class DotKernel {
    private static final DotKernel BEST = load();

    DotKernel() {}

    /** The fastest kernel this JVM can run. */
    public static DotKernel best() {
        return BEST;
    }

    /** The plain-Java kernel (no SIMD), for comparison and for JVMs without the Vector API. */
    public static DotKernel plain() {
        return PlainDotKernel.INSTANCE;
    }

    /** A short name for logs and benchmarks, e.g. {@code "vector(16 lanes)"} or {@code "plain"}. */
    public abstract String name();

    /**
     * {@code out[i * BLOCK + j] = queries[q0 + i] · rows[block * BLOCK + j]} for {@code i < count} and every
     * {@code j < BLOCK} (padding rows give 0).
     *
     * @param queries row-major, {@code dim} floats per row, the same dimension as {@code rows}
     * @param out at least {@code count * BLOCK} floats
     */
    public final void scores(float[] queries, int q0, int count, PackedRows rows, int block, float[] out) {
        int dim = rows.dim();
        if (count < 0 || (long) (q0 + count) * dim > queries.length || out.length < count * PackedRows.BLOCK
                || block < 0 || block >= rows.blocks()) {
            throw new IllegalArgumentException("query rows " + q0 + "+" + count + ", block " + block + " of "
                    + rows.blocks() + " or output size " + out.length + " out of range");
        }
        float[] scratch = rows.isHalf() ? SCRATCH.get() : null;
        if (scratch != null && scratch.length < PackedRows.BLOCK * dim) {
            scratch = new float[PackedRows.BLOCK * dim];
            SCRATCH.set(scratch);
        }
        compute(queries, q0, count, dim, rows.blockData(block, scratch), rows.offset(block), out);
    }

    /**
     * {@code out[i * BLOCK + j] = Σ_d queries[q0 + i][d] · code(block * BLOCK + j, d)}: a block of {@link Int8Rows}
     * codes scored against queries scaled by {@link Int8Rows#scaleQueries} (padding rows give 0). That is the inner
     * product with the decoded rows minus a constant per query, so it ranks a query's rows as the decoded inner
     * product does. Both kernels accumulate with fused multiply-adds in dimension order: their scores are identical
     * bit for bit, so the plain fallback finds the same candidates.
     *
     * @param scaledQueries row-major, {@code dim} floats per row, the same dimension as {@code rows}
     * @param out at least {@code count * BLOCK} floats
     */
    public final void scores(float[] scaledQueries, int q0, int count, Int8Rows rows, int block, float[] out) {
        int dim = rows.dim();
        if (count < 0 || (long) (q0 + count) * dim > scaledQueries.length || out.length < count * PackedRows.BLOCK
                || block < 0 || block >= rows.blocks()) {
            throw new IllegalArgumentException("query rows " + q0 + "+" + count + ", block " + block + " of "
                    + rows.blocks() + " or output size " + out.length + " out of range");
        }
        computeInt8(scaledQueries, q0, count, dim, rows.data(), block * PackedRows.BLOCK * dim, out);
    }

    abstract void computeInt8(float[] q, int q0, int count, int dim, byte[] codes, int off, float[] out);

    /**
     * Whether any of the {@link PackedRows#BLOCK} scores at {@code v[off …]} is above {@code threshold} (NaN is
     * not): lets a top-k search skip a whole block of scores none of which can enter its list.
     */
    public final boolean anyAbove(float[] v, int off, float threshold) {
        if (off < 0 || off + PackedRows.BLOCK > v.length) {
            throw new IllegalArgumentException("scores " + off + "+" + PackedRows.BLOCK + " out of range " + v.length);
        }
        return anyAboveUnchecked(v, off, threshold);
    }

    abstract boolean anyAboveUnchecked(float[] v, int off, float threshold);

    /**
     * The first of the ints {@code from … to − 1} of {@code ints} (4 bytes each, counted from the buffer's start, in its
     * byte order) that is above {@code threshold}, or {@code to} when none is: lets a top list skip, many at a time,
     * integer scores that cannot enter it, straight from the buffer a native library wrote them into.
     */
    public final int firstAbove(ByteBuffer ints, int from, int to, int threshold) {
        java.util.Objects.checkFromToIndex(from, to, ints.limit() / Integer.BYTES);
        return firstAboveUnchecked(ints, from, to, threshold);
    }

    abstract int firstAboveUnchecked(ByteBuffer ints, int from, int to, int threshold);

    /** Per-thread room to widen one half-precision block to float. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    abstract void compute(float[] q, int q0, int count, int dim, float[] packed, int off, float[] out);

    /**
     * The inner product of {@code a[aOff .. aOff+length)} and {@code b[bOff .. bOff+length)}: one pair at a time, for
     * graph searches (HNSW) that score the neighbours of one node rather than whole blocks.
     *
     * @throws IndexOutOfBoundsException when a range does not fit its array
     */
    public final float dot(float[] a, int aOff, float[] b, int bOff, int length) {
        java.util.Objects.checkFromIndexSize(aOff, length, a.length);
        java.util.Objects.checkFromIndexSize(bOff, length, b.length);
        return pairDot(a, aOff, b, bOff, length);
    }

    abstract float pairDot(float[] a, int aOff, float[] b, int bOff, int length);

    private static DotKernel load() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return PlainDotKernel.INSTANCE;
        }
        try {
            return (DotKernel) Class.forName("io.simforge.core.linalg.VectorDotKernel").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return PlainDotKernel.INSTANCE;
        }
    }
}
