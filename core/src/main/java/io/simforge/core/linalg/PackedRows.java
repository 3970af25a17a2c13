package io.simforge.core.linalg;

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
