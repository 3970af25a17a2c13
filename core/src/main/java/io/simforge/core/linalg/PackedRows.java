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
 *
 * <p>The blocks are kept in segments of about {@link #SEGMENT_VALUES} values (whole blocks each), not one array:
 * growing adds segments instead of copying everything, and {@link #readRaw} allocates each segment on the core that
 * fills it, so the JVM's zeroing of a new array overlaps reading the file instead of preceding it. A matrix that fits
 * one segment has one, sized to its capacity.
 */
public final class PackedRows {
    /** Rows per block; a multiple of every SIMD width the kernel may use. */
    public static final int BLOCK = 128;
    /** Values per segment (2 MiB of float32), rounded down to whole blocks; at least one block. */
    static final int SEGMENT_VALUES = 1 << 19;

    private final int dim;
    private final boolean isHalf;
    /** Blocks per full segment, and values in it. */
    private final int segmentBlocks;
    private final int segmentValues;
    /** The segments, float32 or half; every one full but a sole segment, which may be smaller. */
    private float[][] data;
    private short[][] half;
    private int rows;

    private PackedRows(int dim, boolean isHalf) {
        this.dim = dim;
        this.isHalf = isHalf;
        this.segmentBlocks = Math.max(1, SEGMENT_VALUES / (BLOCK * dim));
        this.segmentValues = segmentBlocks * BLOCK * dim;
        this.data = isHalf ? null : new float[0][];
        this.half = isHalf ? new short[0][] : null;
    }

    /** Packs the first {@code rows} rows of the row-major {@code matrix} (float32). */
    public static PackedRows pack(float[] matrix, int rows, int dim) {
        if (dim <= 0 || rows < 0 || (long) rows * dim > matrix.length) {
            throw new IllegalArgumentException("cannot take " + rows + " rows of dimension " + dim + " from "
                    + matrix.length + " values");
        }
        PackedRows p = allocate(rows, dim, false);
        p.rows = rows;
        java.util.stream.IntStream.range(0, p.blocks()).parallel().forEach(b -> {
            float[] seg = p.data[b / p.segmentBlocks];
            int base = p.base(b);
            int end = Math.min(rows, (b + 1) * BLOCK);
            for (int r = b * BLOCK; r < end; r++) {
                int col = r - b * BLOCK;
                int src = r * dim;
                for (int d = 0; d < dim; d++) {
                    seg[base + d * BLOCK + col] = matrix[src + d];
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
        PackedRows p = new PackedRows(dim, half);
        p.ensureCapacity(capacity);
        return p;
    }

    /** Values of {@code capacity} rows in whole blocks, checked to fit the index arithmetic. */
    private static long size(long capacity, int dim) {
        long blocks = (capacity + BLOCK - 1) / BLOCK;
        long size = blocks * BLOCK * dim;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(capacity + " rows of dimension " + dim + " exceed one Java array; "
                    + "split the gallery into shards");
        }
        return size;
    }

    /** Where block {@code b} starts in its segment. */
    private int base(int b) {
        return (b % segmentBlocks) * BLOCK * dim;
    }

    /** Where row {@code row}'s first value is in its segment ({@code + d * BLOCK} for dimension d). */
    private int at(int row) {
        return base(row / BLOCK) + row % BLOCK;
    }

    private int segmentCount() {
        return isHalf ? half.length : data.length;
    }

    private int segmentLength(int i) {
        return isHalf ? half[i].length : data[i].length;
    }

    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    public boolean isHalf() {
        return isHalf;
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
        long values = 0;
        for (int i = 0; i < segmentCount(); i++) {
            values += segmentLength(i);
        }
        return values * (isHalf ? Short.BYTES : Float.BYTES);
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
            float[] seg = isHalf ? null : data[b / segmentBlocks];
            short[] segHalf = isHalf ? half[b / segmentBlocks] : null;
            int base = base(b);
            for (int r = Math.max(first, b * BLOCK); r < Math.min(end, (b + 1) * BLOCK); r++) {
                int at = base + r % BLOCK;
                int src = (r - first) * dim;
                float f = scale == null ? 1f : scale[r - first];
                for (int d = 0; d < dim; d++) {
                    float v = scale == null ? matrix[src + d] : matrix[src + d] * f;
                    if (isHalf) {
                        segHalf[at + d * BLOCK] = Half.fromFloat(v);
                    } else {
                        seg[at + d * BLOCK] = v;
                    }
                }
            }
        });
        rows = end;
    }

    /**
     * Makes room for {@code capacity} rows without changing the content: a sole segment grows by doubling up to a
     * full one, then full segments are added (nothing already stored is copied again).
     */
    public void ensureCapacity(int capacity) {
        long needed = size(capacity, dim);
        int count = segmentCount();
        long have = count == 0 ? 0 : (long) (count - 1) * segmentValues + segmentLength(count - 1);
        if (needed <= have) {
            return;
        }
        if (needed <= segmentValues) { // one segment, grown as one array would grow
            int grown = (int) Math.min(segmentValues, size(Math.max(capacity, Math.min((long) Integer.MAX_VALUE / dim
                    - BLOCK, 2 * have / dim)), dim));
            resizeSole(grown);
            return;
        }
        if (count == 1 && segmentLength(0) < segmentValues) {
            resizeSole(segmentValues);
        }
        int segments = (int) ((needed + segmentValues - 1) / segmentValues);
        if (isHalf) {
            int from = half.length;
            half = Arrays.copyOf(half, segments);
            for (int i = from; i < segments; i++) {
                half[i] = new short[segmentValues];
            }
        } else {
            int from = data.length;
            data = Arrays.copyOf(data, segments);
            for (int i = from; i < segments; i++) {
                data[i] = new float[segmentValues];
            }
        }
    }

    /** The sole segment at {@code length} values (made when there is none), zero padding at the end. */
    private void resizeSole(int length) {
        if (isHalf) {
            half = new short[][] {half.length == 0 ? new short[length] : Arrays.copyOf(half[0], length)};
        } else {
            data = new float[][] {data.length == 0 ? new float[length] : Arrays.copyOf(data[0], length)};
        }
    }

    /** Overwrites row {@code row} ({@code < rows}) with {@code dim} values from {@code src}. */
    public void set(int row, float[] src, int offset) {
        int base = at(row);
        int seg = row / BLOCK / segmentBlocks;
        for (int d = 0; d < dim; d++) {
            if (isHalf) {
                half[seg][base + d * BLOCK] = Half.fromFloat(src[offset + d]);
            } else {
                data[seg][base + d * BLOCK] = src[offset + d];
            }
        }
    }

    /** Copies row {@code row} into {@code dst} at {@code offset} (widened to float when stored as half). */
    public void get(int row, float[] dst, int offset) {
        int base = at(row);
        int seg = row / BLOCK / segmentBlocks;
        for (int d = 0; d < dim; d++) {
            dst[offset + d] = isHalf ? Half.toFloat(half[seg][base + d * BLOCK]) : data[seg][base + d * BLOCK];
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
        int base = at(row);
        int seg = row / BLOCK / segmentBlocks;
        float s = 0;
        for (int d = 0; d < dim; d++) {
            float v = isHalf ? Half.toFloat(half[seg][base + d * BLOCK]) : data[seg][base + d * BLOCK];
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
        long n = rawValues();
        for (int i = 0; n > 0; i++, n -= segmentValues) {
            int len = (int) Math.min(n, segmentValues);
            if (isHalf) {
                for (int j = 0; j < len; j++) {
                    dst.put(Half.toFloat(half[i][j]));
                }
            } else {
                dst.put(data[i], 0, len);
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
        int per = RAW_CHUNK / (isHalf ? Short.BYTES : Float.BYTES);
        long n = rawValues();
        for (long from = 0; from < n; ) {
            int seg = (int) (from / segmentValues);
            int within = (int) (from % segmentValues);
            int len = (int) Math.min(Math.min(per, n - from), segmentValues - within);
            bytes.clear();
            if (isHalf) {
                bytes.asShortBuffer().put(half[seg], within, len);
                out.write(chunk, 0, len * Short.BYTES);
            } else {
                bytes.asFloatBuffer().put(data[seg], within, len);
                out.write(chunk, 0, len * Float.BYTES);
            }
            from += len;
        }
    }

    /** Where {@link #readRaw} takes its bytes from: {@link io.simforge.core.format.FormatInput#readBulk}'s contract. */
    @FunctionalInterface
    public interface BulkInput {
        void readBulk(long bytes, io.simforge.core.format.FormatInput.ChunkSink sink) throws java.io.IOException;
    }

    /**
     * Reads {@code rows} rows written by {@link #writeRaw} in {@code order} ({@link #rawBytes} bytes). Padding rows
     * are zeroed whatever the bytes said, so a search never sees them. Each chunk's values are copied into place on
     * another core while the next chunk is read ({@code in}'s contract), and each segment is allocated there just
     * before its first values arrive, so the JVM's zeroing of the memory overlaps the reading too: loading costs
     * about what reading the bytes costs.
     */
    public static PackedRows readRaw(int rows, int dim, boolean half, ByteOrder order, BulkInput in)
            throws java.io.IOException {
        if (dim <= 0 || rows < 0) {
            throw new IllegalArgumentException("dimension must be positive and rows non-negative");
        }
        PackedRows p = new PackedRows(dim, half);
        long values = size(rows, dim);
        int size = half ? Short.BYTES : Float.BYTES;
        int segments = (int) ((values + p.segmentValues - 1) / p.segmentValues);
        int length = segments == 1 ? (int) values : p.segmentValues; // a sole segment fits its rows
        if (half) {
            p.half = new short[segments][];
        } else {
            p.data = new float[segments][];
        }
        in.readBulk(values * size, (chunk, offset) -> {
            chunk.order(order);
            for (long at = offset / size; chunk.hasRemaining(); ) { // a chunk may end one segment and start the next
                int seg = (int) (at / p.segmentValues);
                int within = (int) (at % p.segmentValues);
                int len = Math.min(chunk.remaining() / size, p.segmentValues - within);
                if (half) {
                    short[] target = p.half[seg] == null ? p.half[seg] = new short[length] : p.half[seg];
                    chunk.asShortBuffer().get(target, within, len);
                } else {
                    float[] target = p.data[seg] == null ? p.data[seg] = new float[length] : p.data[seg];
                    chunk.asFloatBuffer().get(target, within, len);
                }
                chunk.position(chunk.position() + len * size);
                at += len;
            }
        });
        float[] zero = new float[dim];
        p.rows = rows;
        for (int r = rows; r % BLOCK != 0; r++) {
            p.set(r, zero, 0);
        }
        return p;
    }

    private static final int RAW_CHUNK = 1 << 20;

    /** The float data of block {@code b}: its segment, or {@code scratch} filled from half precision. */
    float[] blockData(int b, float[] scratch) {
        if (!isHalf) {
            return data[b / segmentBlocks];
        }
        short[] seg = half[b / segmentBlocks];
        int base = base(b);
        for (int i = 0; i < BLOCK * dim; i++) {
            scratch[i] = Half.toFloat(seg[base + i]);
        }
        return scratch;
    }

    /** Where block {@code b} starts in {@link #blockData}'s array. */
    int offset(int block) {
        return isHalf ? 0 : base(block);
    }
}
