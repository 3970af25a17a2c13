package io.simforge.core.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** 8-bit codes against hand-worked codes and the SQ8 error bound, and both kernels against float64 sums. */
class Int8RowsTest {

    @Test
    void handWorkedCodes() {
        // Dimension 0 spans 0..2, dimension 1 spans −1..1: both steps 2/255; 1.5 is 191.25 steps above 0 and 0.5 as
        // many above −1, the nearest code 191 − 128 = 63.
        PackedRows rows = PackedRows.pack(new float[] {0, 1, 2, -1, 1.5f, 0.5f}, 3, 2);
        Int8Rows codes = Int8Rows.encode(rows);
        assertArrayEquals(new float[] {0, -1}, codes.low());
        assertArrayEquals(new float[] {2f / 255, 2f / 255}, codes.step());
        byte[][] expected = {{-128, 127}, {127, -128}, {63, 63}};
        for (int r = 0; r < 3; r++) {
            for (int d = 0; d < 2; d++) {
                assertEquals(expected[r][d], codes.code(r, d), "row " + r + " dim " + d);
            }
        }
        assertEquals(2f, codes.decode(0, (byte) 127), 1e-6f);
        assertEquals(-1f + 191 * 2f / 255, codes.decode(1, (byte) 63), 1e-6f);
    }

    @Test
    void everyValueIsWithinHalfAStepAndAConstantDimensionIsExact() {
        Random r = new Random(4);
        int n = 300;
        int dim = 19;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % dim == 3 ? 0.75f : (float) (r.nextGaussian() * (1 + i % dim));
        }
        for (boolean half : new boolean[] {false, true}) {
            PackedRows rows = PackedRows.allocate(n, dim, half);
            rows.appendAll(x, n, null);
            Int8Rows codes = Int8Rows.encode(rows);
            float[] step = codes.step();
            float[] v = new float[dim];
            for (int i = 0; i < n; i++) {
                rows.get(i, v, 0);
                for (int d = 0; d < dim; d++) {
                    double error = Math.abs(codes.decode(d, codes.code(i, d)) - (double) v[d]);
                    assertTrue(error <= step[d] / 2 * (1 + 1e-4) + 1e-6, "row " + i + " dim " + d + ": " + error);
                }
            }
            assertEquals(0f, step[3]);
            assertEquals(0.75f, codes.decode(3, codes.code(7, 3)));
        }
    }

    @Test
    void codesSurviveWriteAndReadAndPaddingReadsAsZero() throws Exception {
        Random r = new Random(6);
        int n = 130;
        int dim = 5;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Int8Rows codes = Int8Rows.encode(PackedRows.pack(x, n, dim));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codes.writeRaw(out);
        byte[] bytes = out.toByteArray();
        assertEquals(Int8Rows.rawBytes(n, dim), bytes.length);
        bytes[bytes.length - 1] = 99; // a padding row of the last block
        Int8Rows back = Int8Rows.readRaw(n, codes.low(), codes.step(), (length, sink) -> {
            for (int from = 0; from < length; from += 100) { // in chunks, as a file reader hands them over
                sink.accept(java.nio.ByteBuffer.wrap(bytes, from, (int) Math.min(100, length - from)).slice(), from);
            }
        });
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                assertEquals(codes.code(i, d), back.code(i, d));
            }
        }
        assertEquals(0, back.code(255, dim - 1));
    }

    @Test
    void bothKernelsMatchFloat64SumsOfScaledQueriesAndCodesBitForBitWithEachOther() {
        Random r = new Random(9);
        // Around the 128-row block, the lane counts (8, 16) and the 128-dimension chunk; queries around the 4-tile.
        for (int[] shape : new int[][] {{1, 1, 1}, {3, 130, 7}, {9, 300, 64}, {4, 128, 513}, {13, 257, 33},
                {5, 129, 128}, {6, 64, 129}, {7, 200, 255}, {8, 1, 256}, {2, 3, 17}}) {
            int nq = shape[0];
            int n = shape[1];
            int dim = shape[2];
            float[] g = gaussian(r, n * dim);
            float[] q = gaussian(r, nq * dim);
            Int8Rows codes = Int8Rows.encode(PackedRows.pack(g, n, dim));
            float[] scaled = codes.scaleQueries(q);
            float[] step = codes.step();
            for (int i = 0; i < q.length; i++) {
                assertEquals((double) q[i] * step[i % dim], scaled[i], Math.ulp(scaled[i]));
            }
            for (int b = 0; b < codes.blocks(); b++) {
                float[] fast = new float[nq * PackedRows.BLOCK];
                float[] plain = new float[nq * PackedRows.BLOCK];
                DotKernel.best().scores(scaled, 0, nq, codes, b, fast);
                DotKernel.plain().scores(scaled, 0, nq, codes, b, plain);
                for (int i = 0; i < nq; i++) {
                    for (int j = 0; j < PackedRows.BLOCK; j++) {
                        int row = b * PackedRows.BLOCK + j;
                        double expected = 0;
                        double magnitude = 0;
                        for (int d = 0; row < n && d < dim; d++) {
                            expected += (double) scaled[i * dim + d] * codes.code(row, d);
                            magnitude += Math.abs((double) scaled[i * dim + d] * codes.code(row, d));
                        }
                        String where = "query " + i + " row " + row + " shape " + nq + "x" + n + "x" + dim;
                        assertEquals(expected, fast[i * PackedRows.BLOCK + j], 1e-6 * (1 + magnitude), where);
                        assertEquals(Float.floatToIntBits(fast[i * PackedRows.BLOCK + j]),
                                Float.floatToIntBits(plain[i * PackedRows.BLOCK + j]), where);
                    }
                }
            }
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void theBoundsHoldForEveryRowAgainstFloat64Sums() {
        // Each bound checked against what it bounds, summed in float64 from the floats and the codes; the data has
        // wide and narrow dimensions, a constant one, values at half steps and a dimension count not a multiple of 16.
        Random r = new Random(41);
        int n = 517;
        int dim = 37;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            int d = i % dim;
            x[i] = d == 5 ? -2.5f : d == 6 ? (r.nextInt(511) - 255) / 2f : (float) (r.nextGaussian() * (0.01 + d));
        }
        PackedRows rows = PackedRows.pack(x, n, dim);
        Int8Rows codes = Int8Rows.encode(rows);
        float[] low = codes.low();
        float[] step = codes.step();
        double widest = 0;
        for (int row = 0; row < n; row++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                norm += (double) codes.code(row, d) * codes.code(row, d);
            }
            widest = Math.max(widest, Math.sqrt(norm));
        }
        assertEquals(widest, codes.maxCodeNorm(), 1e-9);
        for (int t = 0; t < 20; t++) {
            float[] q = new float[dim];
            for (int d = 0; d < dim; d++) {
                q[d] = (float) r.nextGaussian() * (t % 2 == 0 ? 1 : 1e-3f);
            }
            double offset = 0;
            for (int d = 0; d < dim; d++) {
                offset += (double) q[d] * ((double) low[d] + 128.0 * step[d]);
            }
            assertEquals(offset, codes.scoreOffset(q, 0), 1e-9 * (1 + Math.abs(offset)));
            double decodingBound = codes.decodingErrorBound(q, 0);
            double magnitudeBound = codes.magnitudeBound(q, 0);
            for (int row = 0; row < n; row++) {
                double error = 0;
                double magnitude = 0;
                for (int d = 0; d < dim; d++) {
                    double decoded = (double) low[d] + (codes.code(row, d) + 128.0) * step[d];
                    error += q[d] * (x[row * dim + d] - decoded);
                    magnitude += Math.abs((double) q[d] * x[row * dim + d]);
                }
                assertTrue(Math.abs(error) <= decodingBound, "row " + row + ": " + error + " > " + decodingBound);
                assertTrue(magnitude <= magnitudeBound, "row " + row);
            }
        }
    }
}
