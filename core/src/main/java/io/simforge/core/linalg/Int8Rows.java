package io.simforge.core.linalg;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
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
 *
 * <p>The bounds ({@link #decodingErrorBound}, {@link #magnitudeBound}, {@link #maxCodeNorm}) let a search prove that
 * a row the codes rank low cannot be among the float32 best ({@link io.simforge.core.search.QuantizedSearch}).
 */
public final class Int8Rows {
    private final byte[] codes;
    private final float[] low;
    private final float[] step;
    private final int rows;
    private final int dim;
    /** {@link #maxCodeNorm()} once computed, −1 before (a race only computes it twice). */
    private volatile double maxCodeNorm = -1;

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
        Arrays.fill(min, Float.POSITIVE_INFINITY);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
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

    /**
     * An upper bound on {@code |Σ_d q[d]·(x[d] − decoded[d])|} for every row {@code x} these codes were made from, with
     * {@code q = queries[offset … offset + dim − 1]}: each value is within half a step of what its code stands for.
     * {@link #code} rounds in float, which moves a value by at most about 6e-5 steps more; the bound allows 1e-3.
     */
    public double decodingErrorBound(float[] queries, int offset) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            sum += Math.abs((double) queries[offset + d]) * step[d];
        }
        return sum * (0.5 + 1e-3);
    }

    /**
     * {@code Σ_d q[d]·(low[d] + 128·step[d])}: what every row's decoded inner product with {@code q} adds to {@code
     * Σ_d q[d]·step[d]·code[d]}, the part the kernels score.
     */
    public double scoreOffset(float[] queries, int offset) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            sum += (double) queries[offset + d] * (low[d] + 128.0 * step[d]);
        }
        return sum;
    }

    /**
     * An upper bound on {@code Σ_d |q[d]·x[d]|} for every row {@code x} these codes were made from: every value lies
     * in its dimension's range {@code [low, low + 255·step]} (a step wider, for the rounding of the step itself).
     * Float rounding of an inner product is bounded by a multiple of this.
     */
    public double magnitudeBound(float[] queries, int offset) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            double top = Math.max(Math.abs((double) low[d]), Math.abs(low[d] + 255.0 * step[d])) + step[d];
            sum += Math.abs((double) queries[offset + d]) * top;
        }
        return sum;
    }

    /** The largest Euclidean norm of a row's stored codes ({@code code − 128} values), computed on first use. */
    public double maxCodeNorm() {
        double norm = maxCodeNorm;
        if (norm < 0) {
            long widest = IntStream.range(0, blocks()).parallel().mapToLong(this::widestInBlock).max().orElse(0);
            norm = Math.sqrt((double) widest);
            maxCodeNorm = norm;
        }
        return norm;
    }

    /** The largest sum of squared codes over the rows of block {@code b} (padding rows are zero). */
    private long widestInBlock(int b) {
        long[] sums = new long[PackedRows.BLOCK];
        for (int d = 0, at = b * PackedRows.BLOCK * dim; d < dim; d++, at += PackedRows.BLOCK) {
            for (int j = 0; j < PackedRows.BLOCK; j++) {
                int c = codes[at + j];
                sums[j] += c * c;
            }
        }
        return Arrays.stream(sums).max().orElse(0);
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
