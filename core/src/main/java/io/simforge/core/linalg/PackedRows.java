package io.simforge.core.linalg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Rows of a matrix laid out for {@link DotKernel}: blocks of {@link #BLOCK} rows, each block stored
 * dimension-major ({@code dim × BLOCK}), the last block padded with zero rows. In this layout the kernel
 * reads {@code BLOCK} consecutive floats per dimension, which is what SIMD registers want.
 *
 * <p>Rows are stored as float32, or as IEEE half precision ({@link #allocate} with {@code half = true}) to
 * hold twice as many in the same memory; the kernel widens a half-precision block to float before scoring.
 * A packed matrix can grow, and rows can be overwritten, so an index can keep its vectors in this layout
 * only (one copy in memory). Not thread-safe for writes.
 */
public final class PackedRows {
    /** Rows per block; a multiple of every SIMD width the kernel may use. */
    public static final int BLOCK = 128;

    private float[] data;
    private short[] half;
    private int rows;
    private final int dim;

    private PackedRows(float[] data, short[] half, int rows, int dim) {
        this.data = data;
        this.half = half;
        this.rows = rows;
        this.dim = dim;
    }

    /** Packs the first {@code rows} rows of the row-major {@code matrix} (float32). */
    public static PackedRows pack(float[] matrix, int rows, int dim) {
        if (dim <= 0 || rows < 0 || (long) rows * dim > matrix.length) {
            throw new IllegalArgumentException("cannot take " + rows + " rows of dimension " + dim + " from "
                    + matrix.length + " values");
        }
        PackedRows p = allocate(rows, dim, false);
        p.rows = rows;
        float[] data = p.data;
        java.util.stream.IntStream.range(0, p.blocks()).parallel().forEach(b -> {
            int base = b * BLOCK * dim;
            int end = Math.min(rows, (b + 1) * BLOCK);
            for (int r = b * BLOCK; r < end; r++) {
                int col = r - b * BLOCK;
                int src = r * dim;
                for (int d = 0; d < dim; d++) {
                    data[base + d * BLOCK + col] = matrix[src + d];
                }
            }
        });
        return p;
    }

    /** An empty matrix with room for {@code capacity} rows (it grows on demand). */
    public static PackedRows allocate(int capacity, int dim, boolean half) {
        if (dim <= 0 || capacity < 0) {
            throw new IllegalArgumentException("dimension must be positive and capacity non-negative");
        }
        int size = size(capacity, dim);
        return half ? new PackedRows(null, new short[size], 0, dim) : new PackedRows(new float[size], null, 0, dim);
    }

    private static int size(long capacity, int dim) {
        long blocks = (capacity + BLOCK - 1) / BLOCK;
        long size = blocks * BLOCK * dim;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(capacity + " rows of dimension " + dim + " exceed one Java array; "
                    + "split the gallery into shards");
        }
        return (int) size;
    }

    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    public boolean isHalf() {
        return half != null;
    }

    public int blocks() {
        return (rows + BLOCK - 1) / BLOCK;
    }

    /** Valid rows in block {@code b} (the last block may be partly padding). */
    public int rowsInBlock(int b) {
        return Math.min(BLOCK, rows - b * BLOCK);
    }

    /** Bytes the stored rows take, padding included. */
    public long bytes() {
        return half != null ? 2L * half.length : 4L * data.length;
    }

    /** Appends a row; returns its index. */
    public int append(float[] src, int offset) {
        ensureCapacity(rows + 1);
        set(rows, src, offset);
        return rows++;
    }

    /**
     * Appends {@code count} rows of the row-major {@code matrix}, row {@code i} multiplied by {@code scale[i]} when
     * {@code scale} is not null (as {@code v[d] * scale[i]} in float, what normalising one row at a time gives).
     * Blocks are filled in parallel: the fast way to build a big gallery.
     */
    public void appendAll(float[] matrix, int count, float[] scale) {
        if (count < 0 || (long) count * dim > matrix.length || (scale != null && scale.length < count)) {
            throw new IllegalArgumentException("cannot take " + count + " rows of dimension " + dim + " from "
                    + matrix.length + " values");
        }
        if (count == 0) {
            return;
        }
        ensureCapacity(rows + count);
        int first = rows;
        int end = first + count;
        java.util.stream.IntStream.rangeClosed(first / BLOCK, (end - 1) / BLOCK).parallel().forEach(b -> {
            int base = b * BLOCK * dim;
            for (int r = Math.max(first, b * BLOCK); r < Math.min(end, (b + 1) * BLOCK); r++) {
                int at = base + r % BLOCK;
                int src = (r - first) * dim;
                float f = scale == null ? 1f : scale[r - first];
                for (int d = 0; d < dim; d++) {
                    float v = scale == null ? matrix[src + d] : matrix[src + d] * f;
                    if (half != null) {
                        half[at + d * BLOCK] = Half.fromFloat(v);
                    } else {
                        data[at + d * BLOCK] = v;
                    }
                }
            }
        });
        rows = end;
    }

    /** Makes room for {@code capacity} rows without changing the content. */
    public void ensureCapacity(int capacity) {
        int length = half != null ? half.length : data.length;
        if ((long) capacity * dim <= length) {
            return;
        }
        int grown = size(Math.max(capacity, Math.min((long) Integer.MAX_VALUE / dim - BLOCK, 2L * length / dim)), dim);
        // Blocks are stored one after another, so growing is a copy with zero padding at the end.
        if (half != null) {
            half = Arrays.copyOf(half, grown);
        } else {
            data = Arrays.copyOf(data, grown);
        }
    }

    /** Overwrites row {@code row} ({@code < rows}) with {@code dim} values from {@code src}. */
    public void set(int row, float[] src, int offset) {
        int base = (row / BLOCK) * BLOCK * dim + row % BLOCK;
        for (int d = 0; d < dim; d++) {
            if (half != null) {
                half[base + d * BLOCK] = Half.fromFloat(src[offset + d]);
            } else {
                data[base + d * BLOCK] = src[offset + d];
            }
        }
    }

    /** Copies row {@code row} into {@code dst} at {@code offset} (widened to float when stored as half). */
    public void get(int row, float[] dst, int offset) {
        int base = (row / BLOCK) * BLOCK * dim + row % BLOCK;
        for (int d = 0; d < dim; d++) {
            dst[offset + d] = half != null ? Half.toFloat(half[base + d * BLOCK]) : data[base + d * BLOCK];
        }
    }

    /**
     * The inner product of row {@code row} with {@code q[offset … offset+dim)}, accumulated as the SIMD kernel
     * accumulates one lane (fused multiply-adds in dimension order), so it equals that kernel's score bit for bit:
     * for re-ranking a few candidates without scoring their whole blocks.
     */
    public float dot(int row, float[] q, int offset) {
        java.util.Objects.checkIndex(row, rows);
        java.util.Objects.checkFromIndexSize(offset, dim, q.length);
        int base = (row / BLOCK) * BLOCK * dim + row % BLOCK;
        float s = 0;
        for (int d = 0; d < dim; d++) {
            float v = half != null ? Half.toFloat(half[base + d * BLOCK]) : data[base + d * BLOCK];
            s = Math.fma(v, q[offset + d], s);
        }
        return s;
    }

    /** Drops the last row (its slot becomes zero padding). */
    public void removeLast() {
        if (rows == 0) {
            throw new IllegalStateException("no rows to remove");
        }
        set(rows - 1, new float[dim], 0);
        rows--;
    }

    /** Writes every block, padding included, as floats ({@code blocks × dim × BLOCK}), e.g. into a native tensor. */
    public void copyBlocksTo(java.nio.FloatBuffer dst) {
        int n = blocks() * BLOCK * dim;
        if (half == null) {
            dst.put(data, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                dst.put(Half.toFloat(half[i]));
            }
        }
    }

    /** Values in the stored layout, padding included: {@code blocks() × BLOCK × dim}. */
    public long rawValues() {
        return (long) blocks() * BLOCK * dim;
    }

    /** Bytes of {@link #writeRaw}: {@link #rawValues()} floats or halves. */
    public static long rawBytes(int rows, int dim, boolean half) {
        return (rows + (long) BLOCK - 1) / BLOCK * BLOCK * dim * (half ? Short.BYTES : Float.BYTES);
    }

    /**
     * Writes the stored layout as it is, padding included, as float32 or binary16 values in {@code order}, so that
     * {@link #readRaw} loads it with one copy and no repacking (with the machine's order, a plain memory copy).
     */
    public void writeRaw(java.io.OutputStream out, ByteOrder order) throws java.io.IOException {
        byte[] chunk = new byte[RAW_CHUNK];
        ByteBuffer bytes = ByteBuffer.wrap(chunk).order(order);
        int per = RAW_CHUNK / (half != null ? Short.BYTES : Float.BYTES);
        int n = (int) rawValues();
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            bytes.clear();
            if (half != null) {
                bytes.asShortBuffer().put(half, from, len);
                out.write(chunk, 0, len * Short.BYTES);
            } else {
                bytes.asFloatBuffer().put(data, from, len);
                out.write(chunk, 0, len * Float.BYTES);
            }
        }
    }

    /** Where {@link #readRaw} takes its bytes from: {@link io.simforge.core.format.FormatInput#readBulk}'s contract. */
    @FunctionalInterface
    public interface BulkInput {
        void readBulk(long bytes, io.simforge.core.format.FormatInput.ChunkSink sink) throws java.io.IOException;
    }

    /**
     * Fills this empty matrix (allocated for at least {@code rows} rows) with {@code rows} rows written by
     * {@link #writeRaw} in {@code order} ({@link #rawBytes} bytes). Padding rows are zeroed whatever the bytes said,
     * so a search never sees them. Each chunk's values are copied into place on another core while the next chunk is
     * read ({@code in}'s contract), so this costs about what reading the bytes costs.
     */
    public void readRaw(int rows, ByteOrder order, BulkInput in) throws java.io.IOException {
        long values = rawBytes(rows, dim, half != null) / (half != null ? Short.BYTES : Float.BYTES);
        if (this.rows != 0 || rows < 0 || values > (half != null ? half.length : data.length)) {
            throw new IllegalStateException("readRaw fills an empty matrix allocated for " + rows + " rows");
        }
        int size = half != null ? Short.BYTES : Float.BYTES;
        in.readBulk(values * size, (chunk, offset) -> {
            int at = (int) (offset / size);
            int len = chunk.remaining() / size;
            if (half != null) {
                chunk.order(order).asShortBuffer().get(half, at, len);
            } else {
                chunk.order(order).asFloatBuffer().get(data, at, len);
            }
        });
        float[] zero = new float[dim];
        for (int r = rows; r % BLOCK != 0; r++) {
            set(r, zero, 0);
        }
        this.rows = rows;
    }

    private static final int RAW_CHUNK = 1 << 20;

    /** The float data of block {@code b}: the stored array, or {@code scratch} filled from half precision. */
    float[] blockData(int b, float[] scratch) {
        if (half == null) {
            return data;
        }
        int base = b * BLOCK * dim;
        for (int i = 0; i < BLOCK * dim; i++) {
            scratch[i] = Half.toFloat(half[base + i]);
        }
        return scratch;
    }

    int offset(int block) {
        return half == null ? block * BLOCK * dim : 0;
    }
}
