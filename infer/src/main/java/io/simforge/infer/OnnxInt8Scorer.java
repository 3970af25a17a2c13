package io.simforge.infer;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.simforge.core.device.DeviceSpec;
import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import io.simforge.core.search.QuantizedSearch;
import io.simforge.core.search.Selection;
import io.simforge.onnx.ScoringGraph;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Picks {@link ExactIndex.Storage#INT8}'s candidates with ONNX Runtime's integer matrix product ({@link
 * ScoringGraph#int8ModelProto}), which MLAS runs on AVX512-VNNI's {@code vpdpbusd} (or AMX) where the CPU has it:
 * 3–4× float32's multiply-adds per cycle, where Java 17's Vector API only widens bytes to floats.
 *
 * <p>Each query is first multiplied by the codes' steps ({@link Int8Rows#scaleQueries}, so its product with a row's
 * codes ranks the rows as the Java kernel's scores do), then quantised on its own, symmetrically: scale {@code max|x| /
 * 127}, values −127…127, sent as unsigned bytes around the zero point 128. The integer scores are exact sums; what
 * differs from the Java int8 kernel is the query's rounding (at most half its scale per value), which the bound on the
 * rows left out accounts for ({@link #pick}). The candidates are each query's
 * best {@code perQuery} rows by integer score, ties to the lower row.
 *
 * <p>The codes are cut into {@code dim × rows} slices of {@value #CHUNK_ROWS} rows, and each slice gets its own session
 * in which it is a constant initializer: ONNX Runtime packs it into its kernel's layout once, when the session is made
 * (when the index's codes change), so a search only sends the queries. Given the codes as an input instead, MLAS packs
 * them again on every run, which made each product 1.3–1.7× slower (ONNX Runtime 1.30, 252 and 1,000 queries × 512 ×
 * 4,096–65,536 rows; docs/benchmarks.md, issue #18). One graph holding every slice would not do: ONNX Runtime runs
 * all of its nodes on every call. The slice is handed over from a direct buffer as an external initializer, so no
 * protobuf of the codes is ever built; ONNX Runtime keeps its own packed copy and no longer reads the buffer (checked at
 * opening), so one staging buffer serves every slice.
 *
 * <p>Costs, measured on 2 cores with 1,000,000 × 512 codes (488 MiB): making the sessions takes about 1 s (4 ms per
 * slice), paid at the first search after the codes change. The packed copies are about 1.1× the codes in native memory.
 * With glibc's default allocator settings the process also keeps about as much again: ONNX Runtime's temporary copies
 * of the slices, freed after packing and reusable by the process, but not returned to the system ({@code
 * MALLOC_MMAP_THRESHOLD_=131072} or {@code malloc_trim} return them). Each session keeps {@code threads − 1} idle
 * runtime threads.
 *
 * <p>Queries go in blocks of {@value #QUERY_BLOCK}, so the score buffer stays at {@code QUERY_BLOCK × CHUNK_ROWS} ints.
 * Searches through one scorer run one at a time. Opening checks that the product does not saturate (the {@code
 * vpmaddubsw} route of CPUs without VNNI can clip pairs of products to 16 bits): such a runtime is refused rather than
 * used.
 */
final class OnnxInt8Scorer implements AutoCloseable {
    /** Gallery rows per matrix product: a multiple of {@link PackedRows#BLOCK}, scores small enough to stay cached. */
    static final int CHUNK_ROWS = 4096;
    static final int QUERY_BLOCK = 1024;
    /** The largest quantised query value: signed 8-bit, symmetric. */
    static final int LEVELS = 127;
    private static final System.Logger LOG = System.getLogger(OnnxInt8Scorer.class.getName());

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final int threads;
    /**
     * Whether a session no longer reads the buffer its codes came from once made (it holds its own, packed copy), so
     * one staging buffer can serve every slice; otherwise each slice keeps its own buffer for the session's lifetime.
     */
    private boolean sessionsCopyCodes;
    private Int8Rows cachedFor;
    private final List<Chunk> chunks = new ArrayList<>();
    private ByteBuffer queryBytes;
    private ByteBuffer scoreBytes;

    /** One slice's session, and the tensor over its codes' buffer when the session still reads it (else null). */
    private record Chunk(OrtSession session, OnnxTensor codes) implements AutoCloseable {
        @Override
        public void close() {
            if (codes != null) {
                codes.close();
            }
            try {
                session.close();
            } catch (OrtException e) {
                LOG.log(Level.WARNING, "closing an int8 scoring session failed: " + e.getMessage());
            }
        }
    }

    private OnnxInt8Scorer(int threads) {
        this.threads = threads;
    }

    /**
     * Opens the integer scoring on the CPU, checking the runtime with a small product; the sessions of the codes are
     * made at the first search.
     *
     * @param threads ONNX Runtime intra-op threads (the cores the Java kernel would use)
     * @throws OrtException when the runtime cannot build a session, or its product saturates on this CPU
     */
    static OnnxInt8Scorer open(int threads) throws OrtException {
        OnnxInt8Scorer scorer = new OnnxInt8Scorer(threads);
        try {
            scorer.checkRuntime();
            return scorer;
        } catch (OrtException | RuntimeException e) {
            scorer.close();
            throw e;
        }
    }

    /**
     * Refuses a runtime whose products saturate: the extreme operands, whose exact sums need more than 16 bits. Then
     * overwrites the codes' buffer and runs again: the same scores mean the session keeps its own copy. The slice is
     * as wide as a real one, as a runtime may treat small initializers differently from large ones.
     */
    private void checkRuntime() throws OrtException {
        int dim = 64;
        int rows = CHUNK_ROWS;
        byte[] q = new byte[dim];
        byte[] codes = new byte[dim * rows];
        int[] want = new int[rows];
        Arrays.fill(q, (byte) (128 + LEVELS));
        for (int j = 0; j < rows; j++) {
            byte c = j % 2 == 0 ? Byte.MIN_VALUE : Byte.MAX_VALUE;
            for (int d = 0; d < dim; d++) {
                codes[d * rows + j] = c;
            }
            want[j] = LEVELS * c * dim;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(codes.length).put(codes).flip();
        try (Chunk chunk = chunk(buffer, dim, rows, true)) {
            int[] got = product(chunk, q, 1, dim, rows);
            if (!Arrays.equals(got, want)) {
                throw new OrtException("ONNX Runtime's uint8 × int8 product saturates on this CPU (got "
                        + got[0] + ", " + got[1] + ", exact " + want[0] + ", " + want[1] + ")");
            }
            buffer.clear().put(new byte[codes.length]);
            sessionsCopyCodes = Arrays.equals(product(chunk, q, 1, dim, rows), want);
        }
        if (!sessionsCopyCodes) {
            LOG.log(Level.DEBUG, "ONNX Runtime reads the int8 codes from their buffer: one buffer per slice is kept");
        }
    }

    /**
     * A session of the scoring graph whose codes are {@code codes}' remaining bytes ({@code dim × rows}, signed).
     *
     * @param keepCodes keep the tensor over the buffer open with the session (for a session that reads it)
     */
    private Chunk chunk(ByteBuffer codes, int dim, int rows, boolean keepCodes) throws OrtException {
        OnnxTensor tensor = OnnxTensor.createTensor(env, codes, new long[] {dim, rows}, OnnxJavaType.INT8);
        try {
            OrtSession session = OrtSessions.open((e, options) -> {
                // Idle runtime threads must not spin: candidate selection runs on the same cores between products.
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
                options.addExternalInitializers(Map.of(ScoringGraph.INT8_CODES, tensor));
                return e.createSession(ScoringGraph.int8Model(dim, rows), options);
            }, DeviceSpec.cpu(), threads, "the int8 scoring graph").session();
            if (keepCodes) {
                return new Chunk(session, tensor);
            }
            tensor.close();
            return new Chunk(session, null);
        } catch (OrtException | RuntimeException e) {
            tensor.close();
            throw e;
        }
    }

    /**
     * The exact integer product of {@code count} quantised queries (uint8 around 128, row-major) with a {@code dim ×
     * rows} matrix of signed codes, row-major {@code count × rows}: the graph alone, for tests.
     */
    int[] product(byte[] queries, int count, byte[] codes, int dim, int rows) throws OrtException {
        try (Chunk chunk = chunk(ByteBuffer.allocateDirect(codes.length).put(codes).flip(), dim, rows, true)) {
            return product(chunk, queries, count, dim, rows);
        }
    }

    private int[] product(Chunk chunk, byte[] queries, int count, int dim, int rows) throws OrtException {
        ByteBuffer q = ByteBuffer.allocateDirect(queries.length).put(queries).flip();
        try (OnnxTensor qt = OnnxTensor.createTensor(env, q, new long[] {count, dim}, OnnxJavaType.UINT8);
                OrtSession.Result r = chunk.session().run(Map.of("queries", qt))) {
            IntBuffer out = ((OnnxTensor) r.get("scores").orElseThrow()).getIntBuffer();
            int[] scores = new int[count * rows];
            out.get(scores);
            return scores;
        }
    }

    /**
     * Each query's best {@code perQuery} rows of {@code codes} by integer score (ties to the lower row), in no
     * particular order.
     *
     * @param queries row-major, as the index prepared them (normalised for cosine)
     */
    synchronized int[][] candidates(float[] queries, Int8Rows codes, int perQuery) throws OrtException {
        return candidates(quantise(codes.scaleQueries(queries), codes.dim()), codes, perQuery,
                new int[queries.length / codes.dim()][]);
    }

    /**
     * Each query's best {@code perQuery} rows as {@link QuantizedSearch.CandidatePicker} wants them: with an upper bound
     * on each one's exact inner product and one on every row left out. With {@code q̃ = fl(q·step)} quantised as {@code
     * q̃ = s·Q + f} ({@code s} the query's scale, {@code Q} its integers, {@code f} the remainder, computed here in
     * double), a row's middle sum is {@code Σ q̃·c = s·(Q·c) + f·c}: {@code Q·c} is the exact integer score (for a row
     * left out, at most the lowest kept), and {@code |f·c| ≤ ‖f‖·‖c‖} (Cauchy–Schwarz, with the codes' largest row
     * norm). The rounding of {@code fl(q·step)} and the codes' decoding error are added.
     */
    synchronized QuantizedSearch.Candidates pick(float[] queries, Int8Rows codes, int perQuery) throws OrtException {
        int dim = codes.dim();
        int[][] kept = new int[queries.length / dim][];
        float[] scaled = codes.scaleQueries(queries);
        byte[] quantised = quantise(scaled, dim);
        int[][] rows = candidates(quantised, codes, perQuery, kept);
        double codeNorm = codes.maxCodeNorm();
        double[][] upper = new double[rows.length][];
        double[] excluded = new double[rows.length];
        for (int q = 0; q < rows.length; q++) {
            int off = q * dim;
            float max = 0;
            double magnitude = 0;
            for (int d = off; d < off + dim; d++) {
                max = Math.max(max, Math.abs(scaled[d]));
                magnitude += Math.abs(scaled[d]);
            }
            double scale = max == 0 ? 0 : 1 / (double) (LEVELS / max); // the inverse of quantise's multiplier
            double remainder = 0;
            for (int d = off; d < off + dim; d++) {
                double f = scaled[d] - scale * ((quantised[d] & 0xff) - 128);
                remainder += f * f;
            }
            double slack = codes.scoreOffset(queries, off) + Math.sqrt(remainder) * codeNorm * (1 + 1e-9)
                    + 0x1p-23 * 128 * magnitude + codes.decodingErrorBound(queries, off);
            upper[q] = new double[rows[q].length];
            int lowest = Integer.MAX_VALUE;
            for (int j = 0; j < rows[q].length; j++) {
                upper[q][j] = scale * kept[q][j] + slack;
                lowest = Math.min(lowest, kept[q][j]);
            }
            excluded[q] = scale * lowest + slack;
        }
        return new QuantizedSearch.Candidates(rows, upper, excluded);
    }

    /**
     * As {@link #candidates(float[], Int8Rows, int)} for queries already scaled and {@link #quantise quantised}, with
     * each candidate's integer score in {@code kept}.
     */
    private int[][] candidates(byte[] quantised, Int8Rows codes, int perQuery, int[][] kept) throws OrtException {
        refresh(codes);
        int dim = codes.dim();
        int n = codes.rows();
        int numQueries = quantised.length / dim;
        int[][] out = new int[numQueries][];
        int block = Math.min(QUERY_BLOCK, numQueries);
        int chunkRows = Math.min(CHUNK_ROWS, n);
        if (queryBytes == null || queryBytes.capacity() < block * dim) {
            queryBytes = ByteBuffer.allocateDirect(block * dim);
        }
        if (scoreBytes == null || scoreBytes.capacity() < block * chunkRows * Integer.BYTES) {
            scoreBytes = ByteBuffer.allocateDirect(block * chunkRows * Integer.BYTES).order(ByteOrder.nativeOrder());
        }
        for (int start = 0; start < numQueries; start += block) {
            int count = Math.min(block, numQueries - start);
            queryBytes.clear().put(quantised, start * dim, count * dim).flip();
            TopRows[] tops = new TopRows[count];
            for (int i = 0; i < count; i++) {
                tops[i] = new TopRows(Math.min(perQuery, n));
            }
            try (OnnxTensor qt = OnnxTensor.createTensor(env, queryBytes, new long[] {count, dim}, OnnxJavaType.UINT8)) {
                for (int c = 0; c < chunks.size(); c++) {
                    int first = c * CHUNK_ROWS;
                    int rows = Math.min(CHUNK_ROWS, n - first);
                    ByteBuffer bytes = scoreBytes.clear().limit(count * rows * Integer.BYTES).slice()
                            .order(ByteOrder.nativeOrder());
                    IntBuffer scores = bytes.asIntBuffer();
                    try (OnnxTensor st = OnnxTensor.createTensor(env, scores, new long[] {count, rows});
                            OrtSession.Result r = chunks.get(c).session().run(Map.of("queries", qt),
                                    Map.of("scores", st))) {
                        select(bytes, count, rows, first, tops);
                    }
                }
            }
            for (int i = 0; i < count; i++) {
                out[start + i] = tops[i].rows();
                kept[start + i] = tops[i].scores();
            }
        }
        return out;
    }

    /** Offers every query's scores of one chunk to its top list, the queries split across the cores. */
    private void select(ByteBuffer scores, int count, int rows, int first, TopRows[] tops) {
        int parts = Math.min(count, threads);
        DotKernel kernel = DotKernel.best();
        IntStream.range(0, parts).parallel().forEach(p -> {
            for (int i = count * p / parts, end = count * (p + 1) / parts; i < end; i++) {
                tops[i].offer(kernel, scores, i * rows, rows, first);
            }
        });
    }

    /**
     * Queries (row-major, {@code dim} per query) quantised one by one: {@code round(x · 127 / max|x|)} plus the zero
     * point 128, as unsigned bytes; a query of zeros becomes all 128 (scores all 0).
     */
    static byte[] quantise(float[] queries, int dim) {
        byte[] out = new byte[queries.length];
        for (int off = 0; off < queries.length; off += dim) {
            float max = 0;
            for (int d = off; d < off + dim; d++) {
                max = Math.max(max, Math.abs(queries[d]));
            }
            float inverse = max == 0 ? 0 : LEVELS / max;
            for (int d = off; d < off + dim; d++) {
                int v = Math.round(queries[d] * inverse);
                out[d] = (byte) (128 + Math.max(-LEVELS, Math.min(LEVELS, v)));
            }
        }
        return out;
    }

    /**
     * Makes a session per slice of the codes when this scorer holds none or older ones; one staging buffer serves
     * every slice when the sessions copy their codes.
     */
    private void refresh(Int8Rows codes) throws OrtException {
        if (codes == cachedFor) {
            return;
        }
        closeChunks();
        int dim = codes.dim();
        ByteBuffer staging = null;
        for (int first = 0; first < codes.rows(); first += CHUNK_ROWS) {
            int rows = Math.min(CHUNK_ROWS, codes.rows() - first);
            ByteBuffer b = sessionsCopyCodes && staging != null ? staging.clear()
                    : ByteBuffer.allocateDirect(dim * Math.min(CHUNK_ROWS, codes.rows()));
            staging = b;
            codes.copyDimensionMajor(first, rows, b);
            chunks.add(chunk(b.flip(), dim, rows, !sessionsCopyCodes));
        }
        cachedFor = codes;
    }

    private void closeChunks() {
        chunks.forEach(Chunk::close);
        chunks.clear();
        cachedFor = null;
    }

    @Override
    public synchronized void close() {
        closeChunks();
    }

    /**
     * One query's best rows so far, as a buffer of up to twice their number of keys {@code ~(score << 32 | (MAX −
     * row))} (a lower key ranks higher: a higher score, then a lower row) that is cut back to the best whenever it fills
     * ({@link Selection#nth}, linear time); the threshold is then the lowest kept score. Rows are offered in ascending
     * order, so a score equal to the threshold ranks below every kept row of that score and can never enter: the test
     * is one integer comparison, which the kernel makes a vector at a time.
     */
    static final class TopRows {
        private final int capacity;
        private final long[] buf;
        private int size;
        private int threshold;

        TopRows(int capacity) {
            this.capacity = capacity;
            this.buf = new long[Math.max(2 * capacity, 1)];
            this.threshold = capacity == 0 ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        }

        /**
         * Offers the {@code count} scores of rows {@code firstRow …} at ints {@code from …} of {@code scores}; the
         * kernel skips, a vector at a time, those at or below the threshold.
         */
        void offer(DotKernel kernel, ByteBuffer scores, int from, int count, int firstRow) {
            int end = from + count;
            for (int j = kernel.firstAbove(scores, from, end, threshold); j < end;
                    j = kernel.firstAbove(scores, j + 1, end, threshold)) {
                buf[size++] = ~(((long) scores.getInt(j * Integer.BYTES) << 32) | (Integer.MAX_VALUE - (firstRow + j - from)));
                if (size == buf.length) {
                    cutBack();
                    threshold = (int) (~buf[capacity - 1] >> 32);
                }
            }
        }

        /** Keeps the best {@code capacity} keys, first in the buffer. */
        private void cutBack() {
            if (size > capacity) {
                Selection.nth(buf, 0, size - 1, capacity - 1);
                size = capacity;
            }
        }

        /** The kept rows' scores, in the order of {@link #rows()}. */
        int[] scores() {
            cutBack();
            int[] scores = new int[size];
            for (int i = 0; i < size; i++) {
                scores[i] = (int) (~buf[i] >> 32);
            }
            return scores;
        }

        int[] rows() {
            cutBack();
            int[] rows = new int[size];
            for (int i = 0; i < size; i++) {
                rows[i] = Integer.MAX_VALUE - (int) ~buf[i];
            }
            return rows;
        }
    }
}
