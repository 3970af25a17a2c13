package io.simforge.core.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 2,000 rows of 600 dimensions (16 blocks, the last part padding): every way of filling, growing, reading back (from
 * chunks of either byte order) and scoring them must give the same rows (issue #18's loading path).
 */
class PackedRowsTest {
    private static final int DIM = 600;
    private static final int N = 2_000;

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** What a stored row must read back as: the value itself, or its nearest half. */
    private static float stored(float v, boolean half) {
        return half ? Half.toFloat(Half.fromFloat(v)) : v;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyWayOfFillingGivesTheSameRowsAcrossSegments(boolean half) {
        float[] x = random(new Random(1), N * DIM);
        PackedRows oneByOne = PackedRows.allocate(0, DIM, half); // grows from nothing
        for (int i = 0; i < N; i++) {
            oneByOne.append(x, i * DIM);
        }
        PackedRows inSlices = PackedRows.allocate(10, DIM, half);
        for (int from = 0; from < N; from += 333) { // slices that start inside blocks
            int count = Math.min(333, N - from);
            inSlices.appendAll(Arrays.copyOfRange(x, from * DIM, (from + count) * DIM), count, null);
        }
        PackedRows[] all = half ? new PackedRows[] {oneByOne, inSlices}
                : new PackedRows[] {oneByOne, inSlices, PackedRows.pack(x, N, DIM)};
        float[] row = new float[DIM];
        for (PackedRows p : all) {
            assertEquals(N, p.rows());
            assertEquals(16, p.blocks());
            for (int i = 0; i < N; i++) {
                p.get(i, row, 0);
                for (int d = 0; d < DIM; d++) {
                    assertEquals(stored(x[i * DIM + d], half), row[d], "row " + i + " dim " + d);
                }
            }
        }
        // Overwrite a row in the last block with the first, then drop the last row: its slot reads as zero.
        oneByOne.set(N - 2, x, 0);
        oneByOne.get(N - 2, row, 0);
        assertEquals(stored(x[5], half), row[5]);
        oneByOne.removeLast();
        assertEquals(N - 1, oneByOne.rows());
        oneByOne.append(new float[DIM], 0);
        oneByOne.get(N - 1, row, 0);
        assertArrayEquals(new float[DIM], row);
    }

    /** Scores of blocks, both kernels, against float64 sums over the stored values. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void kernelsScoreBlocksInEverySegment(boolean half) {
        Random r = new Random(2);
        float[] x = random(r, N * DIM);
        PackedRows p = PackedRows.allocate(N, DIM, half);
        p.appendAll(x, N, null);
        float[] q = random(r, 3 * DIM);
        for (DotKernel kernel : new DotKernel[] {DotKernel.best(), DotKernel.plain()}) {
            float[] out = new float[3 * PackedRows.BLOCK];
            for (int b : new int[] {0, 5, 6, 11, 12, 15}) {
                kernel.scores(q, 0, 3, p, b, out);
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < PackedRows.BLOCK; j++) {
                        int rowIndex = b * PackedRows.BLOCK + j;
                        double expected = 0;
                        double magnitude = 0;
                        for (int d = 0; rowIndex < N && d < DIM; d++) {
                            double term = (double) q[i * DIM + d] * stored(x[rowIndex * DIM + d], half);
                            expected += term;
                            magnitude += Math.abs(term);
                        }
                        assertEquals(expected, out[i * PackedRows.BLOCK + j], 1e-5 * (1 + magnitude),
                                kernel.name() + " block " + b + " query " + i + " row " + rowIndex);
                    }
                }
            }
        }
    }

    /**
     * Written in either byte order and read back from chunks that end inside blocks (and inside values' runs), the
     * rows are the same bit for bit, the padding reads as zero whatever the bytes said, and the raw values are
     * what {@link PackedRows#copyBlocksTo} gives.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rawBytesRoundTripThroughChunksThatStraddleBlocks(boolean half) throws Exception {
        float[] x = random(new Random(3), N * DIM);
        PackedRows p = PackedRows.allocate(N, DIM, half);
        p.appendAll(x, N, null);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.writeRaw(out, order);
            byte[] bytes = out.toByteArray();
            assertEquals(PackedRows.rawBytes(N, DIM, half), bytes.length);
            if (!half) {
                FloatBuffer blocks = FloatBuffer.allocate((int) p.rawValues());
                p.copyBlocksTo(blocks);
                float[] fromBytes = new float[(int) p.rawValues()];
                ByteBuffer.wrap(bytes).order(order).asFloatBuffer().get(fromBytes);
                assertArrayEquals(blocks.array(), fromBytes);
            }
            Arrays.fill(bytes, bytes.length - 40, bytes.length, (byte) 0x3F); // the last padding rows of the last dimension
            int chunk = 4 * 100_003; // a multiple of every value size, not of a block
            PackedRows back = PackedRows.allocate(N, DIM, half);
            back.readRaw(N, order, (length, sink) -> {
                for (long from = 0; from < length; from += chunk) {
                    sink.accept(ByteBuffer.wrap(bytes, (int) from, (int) Math.min(chunk, length - from)).slice(),
                            from);
                }
            });
            assertEquals(N, back.rows());
            assertEquals(p.bytes(), back.bytes());
            float[] a = new float[DIM];
            float[] b = new float[DIM];
            for (int i = 0; i < N; i++) {
                p.get(i, a, 0);
                back.get(i, b, 0);
                assertArrayEquals(a, b, "row " + i);
            }
            float[] scores = new float[PackedRows.BLOCK];
            DotKernel.plain().scores(random(new Random(4), DIM), 0, 1, back, back.blocks() - 1, scores);
            for (int j = N % PackedRows.BLOCK; j < PackedRows.BLOCK; j++) {
                assertEquals(0f, scores[j], "padding row " + j);
            }
        }
        PackedRows empty = PackedRows.allocate(0, DIM, half);
        empty.readRaw(0, ByteOrder.LITTLE_ENDIAN, (length, sink) -> assertEquals(0, length));
        assertEquals(0, empty.rows());
    }
}
