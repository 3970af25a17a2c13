package io.simforge.core.linalg;

/**
 * Rows of a matrix laid out for {@link DotKernel}: blocks of {@link #BLOCK} rows, each block stored
 * dimension-major ({@code dim × BLOCK}), the last block padded with zero rows. In this layout the kernel
 * reads {@code BLOCK} consecutive floats per dimension, which is what SIMD registers want.
 */
public final class PackedRows {
    /** Rows per block; a multiple of every SIMD width the kernel may use. */
    public static final int BLOCK = 128;

    private final float[] data;
    private final int rows;
    private final int dim;

    private PackedRows(float[] data, int rows, int dim) {
        this.data = data;
        this.rows = rows;
        this.dim = dim;
    }

    /** Packs the first {@code rows} rows of the row-major {@code matrix}. */
    public static PackedRows pack(float[] matrix, int rows, int dim) {
        if (dim <= 0 || rows < 0 || (long) rows * dim > matrix.length) {
            throw new IllegalArgumentException("cannot take " + rows + " rows of dimension " + dim + " from "
                    + matrix.length + " values");
        }
        int blocks = (rows + BLOCK - 1) / BLOCK;
        long size = (long) blocks * BLOCK * dim;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " rows of dimension " + dim + " exceed one Java array; "
                    + "split the gallery into shards");
        }
        float[] data = new float[(int) size];
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(b -> {
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
        return new PackedRows(data, rows, dim);
    }

    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    public int blocks() {
        return (rows + BLOCK - 1) / BLOCK;
    }

    /** Valid rows in block {@code b} (the last block may be partly padding). */
    public int rowsInBlock(int b) {
        return Math.min(BLOCK, rows - b * BLOCK);
    }

    float[] data() {
        return data;
    }

    int offset(int block) {
        return block * BLOCK * dim;
    }
}
