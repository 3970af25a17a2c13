package io.simforge.core.linalg;

import java.io.IOException;
import java.io.OutputStream;
import java.util.stream.IntStream;

/**
 * Rows quantised to one byte per value with a scale and an offset per dimension, as faiss's {@code SQ8}
 * ({@code IndexScalarQuantizer}, {@code QT_8bit}): value {@code ≈ low[d] + (code + 128) · step[d]}, code in
 * {@code −128 … 127}, {@code step[d] = (max[d] − min[d]) / 255}, so each value is within {@code step[d] / 2} of the
 * original. The codes are in {@link PackedRows}' layout (blocks of {@link PackedRows#BLOCK} rows, dimension-major,
 * padding rows zero), so {@link DotKernel} scores a block of codes the way it scores floats, a quarter of the bytes
 * read.
 *
 * <p>The inner product with a query {@code q} is {@code Σ q[d]·step[d]·code[d] + Σ q[d]·(low[d] + 128·step[d])}: the
 * second sum is one constant per query, which does not change the query's ranking, so the kernel scores with the
 * query scaled by {@code step} ({@link #scaleQueries}) and the constant is never computed. Immutable.
 */
public final class Int8Rows {
    private final byte[] codes;
    private final float[] low;
    private final float[] step;
    private final int rows;
    private final int dim;

    private Int8Rows(byte[] codes, float[] low, float[] step, int rows, int dim) {
        this.codes = codes;
        this.low = low;
        this.step = step;
        this.rows = rows;
        this.dim = dim;
    }

    /** Quantises every row of {@code rows} with each dimension's range over those rows (in parallel, by block). */
    public static Int8Rows encode(PackedRows rows) {
        int dim = rows.dim();
        int n = rows.rows();
        float[] low = new float[dim];
        float[] step = new float[dim];
        if (n > 0) {
            float[][] ranges = IntStream.range(0, rows.blocks()).parallel().mapToObj(b -> blockRange(rows, b))
                    .reduce(Int8Rows::widest).orElseThrow();
            for (int d = 0; d < dim; d++) {
                low[d] = ranges[0][d];
                step[d] = (ranges[1][d] - ranges[0][d]) / 255f;
            }
        }
        byte[] codes = new byte[(int) PackedRows.rawBytes(n, dim, false) / Float.BYTES];
        IntStream.range(0, rows.blocks()).parallel().forEach(b -> {
            float[] data = rows.blockData(b, rows.isHalf() ? new float[PackedRows.BLOCK * dim] : null);
            int off = rows.offset(b);
            int at = b * PackedRows.BLOCK * dim;
            int valid = rows.rowsInBlock(b);
            for (int d = 0, i = 0; d < dim; d++, i += PackedRows.BLOCK) {
                float lo = low[d];
                float inverse = step[d] == 0 ? 0 : 1 / step[d];
                for (int j = 0; j < valid; j++) {
                    codes[at + i + j] = code(data[off + i + j], lo, inverse);
                }
            }
        });
        return new Int8Rows(codes, low, step, n, dim);
    }

    /**
     * The nearest code of {@code value} given its dimension's offset and {@code 1 / step} (0 for a constant
     * dimension), kept inside the range. A multiplication, not a division: the code is within half a step (plus
     * float rounding) either way, and quantising a million vectors is then one fast pass.
     */
    static byte code(float value, float low, float inverseStep) {
        int c = (int) ((value - low) * inverseStep + 0.5f); // value ≥ low: truncation rounds to nearest
        return (byte) (Math.max(0, Math.min(255, c)) - 128);
    }

    /** Per dimension {min, max} over the valid rows of block {@code b}. */
    private static float[][] blockRange(PackedRows rows, int b) {
        int dim = rows.dim();
        float[] min = new float[dim];
        float[] max = new float[dim];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] data = rows.blockData(b, rows.isHalf() ? new float[PackedRows.BLOCK * dim] : null);
        int off = rows.offset(b);
        int valid = rows.rowsInBlock(b);
        for (int d = 0; d < dim; d++) {
            for (int j = 0, p = off + d * PackedRows.BLOCK; j < valid; j++) {
                min[d] = Math.min(min[d], data[p + j]);
                max[d] = Math.max(max[d], data[p + j]);
            }
        }
        return new float[][] {min, max};
    }

    private static float[][] widest(float[][] a, float[][] b) {
        for (int d = 0; d < a[0].length; d++) {
            a[0][d] = Math.min(a[0][d], b[0][d]);
            a[1][d] = Math.max(a[1][d], b[1][d]);
        }
        return a;
    }

    /** Codes of {@code rows} rows read back as {@link #writeRaw} wrote them, with their quantiser. */
    public static Int8Rows readRaw(int rows, float[] low, float[] step, PackedRows.BulkInput in) throws IOException {
        int dim = low.length;
        if (step.length != dim || rows < 0) {
            throw new IllegalArgumentException(low.length + " offsets but " + step.length + " steps");
        }
        byte[] codes = new byte[(int) rawBytes(rows, dim)];
        in.readBulk(codes.length, (chunk, offset) -> chunk.get(codes, (int) offset, chunk.remaining()));
        for (int r = rows; r % PackedRows.BLOCK != 0; r++) { // padding scores nothing, whatever the bytes said
            int at = (r / PackedRows.BLOCK) * PackedRows.BLOCK * dim + r % PackedRows.BLOCK;
            for (int d = 0; d < dim; d++) {
                codes[at + d * PackedRows.BLOCK] = 0;
            }
        }
        return new Int8Rows(codes, low.clone(), step.clone(), rows, dim);
    }

    /** Writes the codes in the stored layout, padding included ({@link #rawBytes} bytes); the quantiser is not. */
    public void writeRaw(OutputStream out) throws IOException {
        out.write(codes);
    }

    /** Bytes of {@link #writeRaw} for {@code rows} rows. */
    public static long rawBytes(int rows, int dim) {
        return PackedRows.rawBytes(rows, dim, false) / Float.BYTES;
    }

    /** {@code queries} (row-major, {@code dim} per row) multiplied by each dimension's step: what the kernel scores. */
    public float[] scaleQueries(float[] queries) {
        float[] scaled = new float[queries.length];
        for (int i = 0; i < queries.length; i++) {
            scaled[i] = queries[i] * step[i % dim];
        }
        return scaled;
    }

    /**
     * Copies the codes of rows {@code first … first + count − 1} into {@code out} as a {@code dim × count} matrix
     * (dimension by dimension, each dimension's codes of those rows in row order), the stored signed codes
     * ({@code code − 128}): the layout an integer matrix product takes its right-hand side in.
     *
     * @param first a multiple of {@link PackedRows#BLOCK}
     */
    public void copyDimensionMajor(int first, int count, java.nio.ByteBuffer out) {
        if (first < 0 || first % PackedRows.BLOCK != 0 || count < 0 || first + count > rows) {
            throw new IllegalArgumentException("rows " + first + " to " + (first + count) + " of " + rows
                    + ": the first must be a multiple of " + PackedRows.BLOCK);
        }
        for (int d = 0; d < dim; d++) {
            for (int r = first; r < first + count; r += PackedRows.BLOCK) {
                int at = (r / PackedRows.BLOCK) * PackedRows.BLOCK * dim + d * PackedRows.BLOCK;
                out.put(codes, at, Math.min(PackedRows.BLOCK, first + count - r));
            }
        }
    }

    /** The value code {@code c} stands for in dimension {@code d}. */
    public float decode(int d, byte c) {
        return low[d] + (c + 128) * step[d];
    }

    /** The stored code of row {@code row}, dimension {@code d}. */
    public byte code(int row, int d) {
        return codes[(row / PackedRows.BLOCK) * PackedRows.BLOCK * dim + d * PackedRows.BLOCK + row % PackedRows.BLOCK];
    }

    /** Each dimension's offset (a copy). */
    public float[] low() {
        return low.clone();
    }

    /** Each dimension's step (a copy). */
    public float[] step() {
        return step.clone();
    }

    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    public int blocks() {
        return (rows + PackedRows.BLOCK - 1) / PackedRows.BLOCK;
    }

    /** Bytes the codes and the quantiser take. */
    public long bytes() {
        return codes.length + 8L * dim;
    }

    byte[] data() {
        return codes;
    }
}
