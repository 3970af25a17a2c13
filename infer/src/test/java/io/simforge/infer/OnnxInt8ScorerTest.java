package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's integer scoring of int8 codes against plain-Java references: exact integer sums (long-accumulated),
 * the candidates a reference top list picks, and whole searches equal to the Java int8 path and to float32.
 */
class OnnxInt8ScorerTest {
    private static OnnxInt8Scorer scorer;

    @BeforeAll
    static void open() throws Exception {
        scorer = OnnxInt8Scorer.open(2);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    /** Σ (q − 128) · c over each query row and code column, in long: the reference integer product. */
    private static int[] longProduct(byte[] q, int count, byte[] codes, int dim, int rows) {
        int[] out = new int[count * rows];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < rows; j++) {
                long s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (long) ((q[i * dim + d] & 0xff) - 128) * codes[d * rows + j];
                }
                out[i * rows + j] = Math.toIntExact(s);
            }
        }
        return out;
    }

    @Test
    void integerScoresAreExactSumsOnRandomAndExtremeOperands() throws Exception {
        Random r = new Random(7);
        for (int[] shape : new int[][] {{1, 1, 1}, {3, 7, 5}, {17, 37, 130}, {64, 100, 33}, {5, 515, 260}}) {
            int count = shape[0];
            int dim = shape[1];
            int rows = shape[2];
            byte[] q = new byte[count * dim];
            byte[] codes = new byte[dim * rows];
            for (int mode = 0; mode < 3; mode++) {
                for (int i = 0; i < q.length; i++) { // quantised queries are 1 … 255 (−127 … 127 around 128)
                    q[i] = (byte) switch (mode) {
                        case 0 -> 1 + r.nextInt(255);
                        case 1 -> r.nextBoolean() ? 1 : 255;
                        default -> 255;
                    };
                }
                for (int i = 0; i < codes.length; i++) {
                    codes[i] = (byte) switch (mode) {
                        case 0 -> r.nextInt(256) - 128;
                        case 1 -> r.nextBoolean() ? -128 : 127;
                        default -> -128;
                    };
                }
                assertArrayEquals(longProduct(q, count, codes, dim, rows), scorer.product(q, count, codes, dim, rows),
                        "shape " + Arrays.toString(shape) + ", mode " + mode);
            }
        }
    }

    @Test
    void quantisesEachQueryByItsLargestMagnitude() {
        // Hand-worked: max |x| = 2, so x · 127 / 2 rounds to 127, −63 (−63.5 rounds up), 0, 32 (31.75); zero stays 128.
        byte[] q = OnnxInt8Scorer.quantise(new float[] {2f, -1f, 0f, 0.5f, 0f, 0f, 0f, 0f}, 4);
        assertArrayEquals(new byte[] {(byte) 255, (byte) 65, (byte) 128, (byte) 160, (byte) 128, (byte) 128, (byte) 128,
            (byte) 128}, q);
    }

    /** The codes of a gallery and each query's reference candidates: integer scores computed here, ties to lower row. */
    private static int[][] referenceCandidates(float[] queries, Int8Rows codes, int perQuery) {
        int dim = codes.dim();
        float[] step = codes.step();
        int n = codes.rows();
        int[][] out = new int[queries.length / dim][];
        for (int i = 0; i < out.length; i++) {
            double max = 0;
            for (int d = 0; d < dim; d++) {
                max = Math.max(max, Math.abs(queries[i * dim + d] * step[d]));
            }
            long[] qi = new long[dim];
            for (int d = 0; d < dim; d++) {
                float x = queries[i * dim + d] * step[d];
                qi[d] = max == 0 ? 0 : Math.round(x * (127 / (float) max));
            }
            long[] score = new long[n];
            for (int row = 0; row < n; row++) {
                for (int d = 0; d < dim; d++) {
                    score[row] += qi[d] * codes.code(row, d);
                }
            }
            out[i] = IntStream.range(0, n).boxed()
                    .sorted(Comparator.<Integer>comparingLong(row -> -score[row]).thenComparingInt(row -> row))
                    .limit(Math.min(perQuery, n)).mapToInt(Integer::intValue).sorted().toArray();
        }
        return out;
    }

    private static Int8Rows codesOf(float[] rows, int n, int dim) {
        return Int8Rows.encode(PackedRows.pack(rows, n, dim));
    }

    @Test
    void candidatesAreTheReferenceTopListsAcrossChunksAndQueryBlocks() throws Exception {
        Random r = new Random(11);
        int dim = 21; // not a multiple of 16
        int n = OnnxInt8Scorer.CHUNK_ROWS + 300; // two chunks, the second ragged
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        int numQueries = OnnxInt8Scorer.QUERY_BLOCK + 5; // two query blocks
        float[] q = new float[numQueries * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        Arrays.fill(q, 3 * dim, 4 * dim, 0f); // a query of zeros: every score 0, the lowest rows win
        Int8Rows codes = codesOf(g, n, dim);
        int[][] got = scorer.candidates(q, codes, 12);
        int[][] want = referenceCandidates(q, codes, 12);
        for (int i = 0; i < numQueries; i++) {
            assertArrayEquals(want[i], IntStream.of(got[i]).sorted().toArray(), "query " + i);
        }
        assertArrayEquals(IntStream.range(0, 12).toArray(), IntStream.of(got[3]).sorted().toArray());
    }

    @Test
    void edgeGalleriesOneRowTiesAndTheExtremeCodes() throws Exception {
        int dim = 5;
        // One row, more candidates asked than rows.
        Int8Rows one = codesOf(new float[] {1, -2, 3, 0, 5}, 1, dim);
        float[] q = {1, 1, 1, 1, 1, -1, 0.5f, 0, 2, 0};
        int[][] got = scorer.candidates(q, one, 40);
        assertArrayEquals(new int[] {0}, got[0]);
        assertArrayEquals(new int[] {0}, got[1]);
        // Rows at each dimension's minimum and maximum (codes 0 and 255) and exact duplicates (ties).
        float[] g = new float[8 * dim];
        for (int row = 0; row < 8; row++) {
            for (int d = 0; d < dim; d++) {
                g[row * dim + d] = row % 2 == 0 ? -1 : 1; // rows 0, 2, 4, 6 all codes 0; 1, 3, 5, 7 all 255
            }
        }
        Int8Rows codes = codesOf(g, 8, dim);
        assertEquals(-128, codes.code(0, 0));
        assertEquals(127, codes.code(1, 0));
        float[] queries = {1, 1, 1, 1, 1, -1, -1, -1, -1, -1};
        int[][] picked = scorer.candidates(queries, codes, 3);
        assertArrayEquals(new int[] {1, 3, 5}, IntStream.of(picked[0]).sorted().toArray()); // ties to the lower rows
        assertArrayEquals(new int[] {0, 2, 4}, IntStream.of(picked[1]).sorted().toArray());
        assertArrayEquals(referenceCandidates(queries, codes, 3)[0], IntStream.of(picked[0]).sorted().toArray());
    }

    /**
     * Four slices, the last one ragged: each slice's session holds its own packed codes, so the candidates stay the
     * reference ones although one staging buffer carried every slice's codes (it ends holding the last slice's).
     */
    @Test
    void candidatesAreTheReferenceOnesOverSeveralSlicesWithARaggedLastOne() throws Exception {
        Random r = new Random(13);
        int dim = 33;
        int n = 3 * OnnxInt8Scorer.CHUNK_ROWS + 77;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        int numQueries = 30;
        float[] q = new float[numQueries * dim];
        for (int i = 0; i < numQueries; i++) {
            // Near rows of every slice, the last ragged one's final row included, so each slice's scores matter.
            int row = i == 0 ? n - 1 : r.nextInt(n);
            for (int d = 0; d < dim; d++) {
                q[i * dim + d] = g[row * dim + d] + 0.1f * (float) r.nextGaussian();
            }
        }
        Int8Rows codes = codesOf(g, n, dim);
        int[][] got = scorer.candidates(q, codes, 10);
        int[][] want = referenceCandidates(q, codes, 10);
        for (int i = 0; i < numQueries; i++) {
            assertArrayEquals(want[i], IntStream.of(got[i]).sorted().toArray(), "query " + i);
        }
        assertTrue(IntStream.of(got[0]).anyMatch(row -> row == n - 1), "the last slice's last row is a candidate");
    }

    /** Codes changed by an {@code add} are scored afresh: the new rows are found, as the Java kernel and float32 do. */
    @Test
    void codesChangedByAnAddAreScoredAfterwards() {
        Random r = new Random(17);
        int dim = 24;
        int n = OnnxInt8Scorer.CHUNK_ROWS + 10;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[] q = new float[24 * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        ExactIndex float32 = index(ExactIndex.Storage.FLOAT32, g, n, dim);
        try (ExactIndex int8 = index(ExactIndex.Storage.INT8, g, n, dim)) {
            int8.setInt8Scoring(ExactIndex.Int8Scoring.ONNX_RUNTIME);
            assertEquals(float32.search(q, 5), int8.search(q, 5));
            // Each new item is a query itself, so it must be its query's best hit from now on.
            float[] added = Arrays.copyOf(q, 3 * dim);
            List<String> ids = List.of("new0", "new1", "new2");
            float32.addAll(ids, added);
            int8.addAll(ids, added);
            List<List<ExactIndex.Hit>> after = int8.search(q, 5);
            for (int i = 0; i < 3; i++) {
                assertEquals("new" + i, after.get(i).get(0).id());
            }
            assertEquals(float32.search(q, 5), after);
            int8.setInt8Scoring(ExactIndex.Int8Scoring.JAVA);
            assertEquals(int8.search(q, 5), after);
        }
    }

    /** A closed index opens its scorer again at the next search; a closed scorer makes its sessions again. */
    @Test
    void closingAndReopeningGiveTheSameCandidates() throws Exception {
        Random r = new Random(19);
        int dim = 40;
        int n = 2 * OnnxInt8Scorer.CHUNK_ROWS + 1; // a last slice of one row
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[] q = new float[8 * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        Int8Rows codes = codesOf(g, n, dim);
        int[][] want = referenceCandidates(q, codes, 6);
        try (OnnxInt8Scorer own = OnnxInt8Scorer.open(2)) {
            int[][] first = own.candidates(q, codes, 6);
            own.close();
            int[][] again = own.candidates(q, codes, 6);
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals(want[i], IntStream.of(first[i]).sorted().toArray(), "query " + i);
                assertArrayEquals(want[i], IntStream.of(again[i]).sorted().toArray(), "query " + i + " after close");
            }
        }
        try (ExactIndex int8 = index(ExactIndex.Storage.INT8, g, n, dim)) {
            int8.setInt8Scoring(ExactIndex.Int8Scoring.ONNX_RUNTIME);
            List<List<ExactIndex.Hit>> before = int8.search(q, 3);
            int8.close();
            assertEquals(before, int8.search(q, 3));
            int8.setInt8Scoring(ExactIndex.Int8Scoring.JAVA);
            assertEquals(before, int8.search(q, 3));
        }
    }

    private static ExactIndex index(ExactIndex.Storage storage, float[] g, int n, int dim) {
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.COSINE, storage);
        index.addAll(IntStream.range(0, n).mapToObj(i -> "item" + i).toList(), g);
        return index;
    }

    /**
     * Data with clear margins: each query is a gallery row plus small noise, and its nearest rows are far ahead of the
     * rest, so every scorer's candidates hold the true top k and the results equal float32's, ids and scores.
     */
    @Test
    void searchesEqualTheJavaInt8PathAndFloat32WithClearMargins() {
        Random r = new Random(5);
        int dim = 48;
        int n = 3000;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        int numQueries = 100;
        float[] q = new float[numQueries * dim];
        for (int i = 0; i < numQueries; i++) {
            int row = r.nextInt(n);
            for (int d = 0; d < dim; d++) {
                q[i * dim + d] = g[row * dim + d] + 0.05f * (float) r.nextGaussian();
            }
        }
        List<List<ExactIndex.Hit>> exact = index(ExactIndex.Storage.FLOAT32, g, n, dim).search(q, 1);
        try (ExactIndex int8 = index(ExactIndex.Storage.INT8, g, n, dim)) {
            int8.setInt8Scoring(ExactIndex.Int8Scoring.JAVA);
            List<List<ExactIndex.Hit>> java = int8.search(q, 1);
            int8.setInt8Scoring(ExactIndex.Int8Scoring.ONNX_RUNTIME);
            assertEquals(ExactIndex.Int8Scoring.ONNX_RUNTIME, int8.int8ScorerFor(1));
            assertEquals(java, int8.search(q, 1));
            assertEquals(exact, java);
            // k above the gallery: every item, in float32's order.
            float[] one = Arrays.copyOf(q, dim);
            ExactIndex small = index(ExactIndex.Storage.INT8, Arrays.copyOf(g, 3 * dim), 3, dim);
            small.setInt8Scoring(ExactIndex.Int8Scoring.ONNX_RUNTIME);
            assertEquals(index(ExactIndex.Storage.FLOAT32, Arrays.copyOf(g, 3 * dim), 3, dim).search(one, 10),
                    small.search(one, 10));
            small.close();
        }
    }

    @Test
    void autoChoosesByBatchSizeAndFallsBackToJavaWhenTheRuntimeCannotOpen() {
        Random r = new Random(9);
        int dim = 16;
        int n = 500;
        float[] g = new float[n * dim];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[] q = new float[ExactIndex.INT8_ONNX_MIN_QUERIES * dim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        ExactIndex.Int8ScorerOpener real = ExactIndex.int8Opener;
        try (ExactIndex index = index(ExactIndex.Storage.INT8, g, n, dim)) {
            assertEquals(ExactIndex.Int8Scoring.JAVA, index.int8ScorerFor(ExactIndex.INT8_ONNX_MIN_QUERIES - 1));
            assertEquals(ExactIndex.Int8Scoring.ONNX_RUNTIME, index.int8ScorerFor(ExactIndex.INT8_ONNX_MIN_QUERIES));
            index.setInt8Scoring(ExactIndex.Int8Scoring.JAVA);
            List<List<ExactIndex.Hit>> java = index.search(q, 7);
            index.setInt8Scoring(ExactIndex.Int8Scoring.ONNX_RUNTIME);
            ExactIndex.int8Opener = () -> {
                throw new UnsatisfiedLinkError("no onnxruntime in java.library.path (simulated)");
            };
            assertEquals(java, index.search(q, 7)); // the Java kernel's answer, not an error
            assertEquals(ExactIndex.Int8Scoring.JAVA, index.int8ScorerFor(1000));
        } finally {
            ExactIndex.int8Opener = real;
        }
        assertEquals(ExactIndex.Int8Scoring.JAVA, new ExactIndex(dim, ExactIndex.Metric.DOT).int8ScorerFor(1000));
    }
}
