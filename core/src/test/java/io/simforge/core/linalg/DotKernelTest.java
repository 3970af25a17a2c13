package io.simforge.core.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DotKernelTest {

    @Test
    void theTestJvmRunsTheSimdKernel() {
        // The build starts test JVMs with --add-modules jdk.incubator.vector, so the fast path is what the
        // other tests exercise; if that flag is lost, this fails instead of everything silently slowing down.
        assertTrue(DotKernel.best().name().startsWith("vector"), DotKernel.best().name());
    }

    @Test
    void bothKernelsMatchDoublePrecisionDotProducts() {
        Random r = new Random(3);
        for (int[] shape : new int[][] {{1, 1, 1}, {3, 130, 7}, {9, 300, 64}, {4, 128, 513}, {13, 257, 33},
                {5, 129, 128}, {6, 64, 129}, {7, 200, 255}, {8, 1, 256}, {2, 3, 17}, {10, 140, 100}, {11, 129, 65},
                {12, 256, 64}, {17, 131, 70}}) {
            int nq = shape[0];
            int rows = shape[1];
            int dim = shape[2];
            float[] q = random(r, nq * dim);
            float[] g = random(r, rows * dim);
            PackedRows packed = PackedRows.pack(g, rows, dim);
            for (DotKernel kernel : new DotKernel[] {DotKernel.best(), DotKernel.plain()}) {
                float[] out = new float[nq * PackedRows.BLOCK];
                for (int b = 0; b < packed.blocks(); b++) {
                    kernel.scores(q, 0, nq, packed, b, out);
                    for (int i = 0; i < nq; i++) {
                        for (int j = 0; j < PackedRows.BLOCK; j++) {
                            int row = b * PackedRows.BLOCK + j;
                            double expected = 0;
                            double magnitude = 0;
                            if (row < rows) {
                                for (int d = 0; d < dim; d++) {
                                    expected += (double) q[i * dim + d] * g[row * dim + d];
                                    magnitude += Math.abs((double) q[i * dim + d] * g[row * dim + d]);
                                }
                            }
                            assertEquals(expected, out[i * PackedRows.BLOCK + j], 1e-6 * (1 + magnitude),
                                    kernel.name() + " query " + i + " row " + row + " shape " + nq + "x" + rows + "x" + dim);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aQueryScoresTheSameBitForBitWhicheverTileItLandsIn() {
        // Batches of 1..13 queries go through the six-, four- and one-query tiles in every mix; each query's scores
        // must equal its scores when scored alone, so search results cannot depend on how queries are batched.
        Random r = new Random(11);
        int dim = 150; // three chunks, the last one partial, and not a multiple of the lane count
        float[] q = random(r, 13 * dim);
        PackedRows packed = PackedRows.pack(random(r, 200 * dim), 200, dim);
        DotKernel kernel = DotKernel.best();
        float[][] alone = new float[13][PackedRows.BLOCK];
        for (int b = 0; b < packed.blocks(); b++) {
            for (int i = 0; i < 13; i++) {
                kernel.scores(q, i, 1, packed, b, alone[i]);
            }
            for (int count = 1; count <= 13; count++) {
                for (int q0 = 0; q0 + count <= 13; q0 += Math.max(1, 13 - count)) {
                    float[] out = new float[count * PackedRows.BLOCK];
                    kernel.scores(q, q0, count, packed, b, out);
                    for (int i = 0; i < count; i++) {
                        assertArrayEqualsExact(alone[q0 + i],
                                java.util.Arrays.copyOfRange(out, i * PackedRows.BLOCK, (i + 1) * PackedRows.BLOCK));
                    }
                }
            }
        }
    }

    @Test
    void pairDotProductsMatchDoublePrecisionAtEveryLengthAndOffset() {
        Random r = new Random(5);
        float[] a = random(r, 700);
        float[] b = random(r, 700);
        for (int length : new int[] {0, 1, 3, 7, 15, 16, 17, 31, 32, 33, 64, 100, 128, 129, 300, 512}) {
            for (int aOff : new int[] {0, 1, 5}) {
                int bOff = 3 * aOff + 2;
                double expected = 0;
                double magnitude = 0;
                for (int i = 0; i < length; i++) {
                    expected += (double) a[aOff + i] * b[bOff + i];
                    magnitude += Math.abs((double) a[aOff + i] * b[bOff + i]);
                }
                for (DotKernel kernel : new DotKernel[] {DotKernel.best(), DotKernel.plain()}) {
                    assertEquals(expected, kernel.dot(a, aOff, b, bOff, length), 1e-6 * (1 + magnitude),
                            kernel.name() + " length " + length + " offset " + aOff);
                }
            }
        }
        assertEquals(1 * 4 + 2 * 5 + 3 * 6, DotKernel.best().dot(new float[] {1, 2, 3}, 0, new float[] {4, 5, 6}, 0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> DotKernel.best().dot(a, 690, b, 0, 20));
    }

    @Test
    void anyAboveSeesEveryPositionOfTheBlock() {
        for (DotKernel kernel : new DotKernel[] {DotKernel.best(), DotKernel.plain()}) {
            float[] v = new float[PackedRows.BLOCK + 3];
            assertTrue(!kernel.anyAbove(v, 3, 0f), kernel.name());
            for (int j = 0; j < PackedRows.BLOCK; j++) {
                Arrays.fill(v, 0f);
                v[3 + j] = 1f;
                assertTrue(kernel.anyAbove(v, 3, 0.5f), kernel.name() + " position " + j);
                assertTrue(!kernel.anyAbove(v, 3, 1f), kernel.name() + " equal is not above, position " + j);
                v[3 + j] = Float.NaN;
                assertTrue(!kernel.anyAbove(v, 3, 0.5f), kernel.name() + " NaN is not above, position " + j);
            }
            assertThrows(IllegalArgumentException.class, () -> kernel.anyAbove(v, 4, 0f));
        }
    }

    @Test
    void aQueryOffsetSelectsTheRightRows() {
        float[] q = {1, 0, 0, 1, 2, 3};
        PackedRows g = PackedRows.pack(new float[] {5, 7}, 1, 2);
        float[] out = new float[2 * PackedRows.BLOCK];
        DotKernel.best().scores(q, 1, 2, g, 0, out);
        assertEquals(7f, out[0]);
        assertEquals(31f, out[PackedRows.BLOCK]);
        assertEquals(0f, out[1], "padding rows score 0");
        assertThrows(IllegalArgumentException.class, () -> DotKernel.best().scores(q, 2, 2, g, 0, out));
        assertThrows(IllegalArgumentException.class, () -> DotKernel.best().scores(q, 0, 1, g, 1, out));
    }

    @Test
    void packedRowsGrowOverwriteAndShrinkAcrossBlocks() {
        Random r = new Random(6);
        int dim = 5;
        for (boolean half : new boolean[] {false, true}) {
            PackedRows p = PackedRows.allocate(1, dim, half);
            float[][] rows = new float[300][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = random(r, dim);
                if (half) {
                    for (int d = 0; d < dim; d++) {
                        rows[i][d] = Half.toFloat(Half.fromFloat(rows[i][d]));
                    }
                }
                assertEquals(i, p.append(rows[i], 0));
            }
            p.set(7, rows[299], 0);
            p.removeLast();
            assertEquals(299, p.rows());
            assertEquals(3, p.blocks());
            float[] got = new float[dim];
            for (int i = 0; i < 299; i++) {
                p.get(i, got, 0);
                assertArrayEqualsExact(i == 7 ? rows[299] : rows[i], got);
            }
            // Scores through the kernel see the same rows, and the removed slot is padding again.
            float[] out = new float[PackedRows.BLOCK];
            DotKernel.best().scores(rows[0], 0, 1, p, 2, out);
            assertEquals(0f, out[299 - 256], "the removed row's slot scores 0");
            double expected = 0;
            for (int d = 0; d < dim; d++) {
                expected += (double) rows[0][d] * rows[298][d];
            }
            assertEquals(expected, out[298 - 256], 1e-5);
        }
    }

    private static void assertArrayEqualsExact(float[] a, float[] b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void firstAboveFindsTheFirstIntAboveTheThresholdInEitherByteOrder() {
        // Against a plain loop over the same ints, for both kernels: ranges of every length around the vector width,
        // thresholds below, inside and above the values, the extreme ints, both byte orders.
        Random r = new Random(31);
        for (java.nio.ByteOrder order : new java.nio.ByteOrder[] {java.nio.ByteOrder.LITTLE_ENDIAN,
                java.nio.ByteOrder.BIG_ENDIAN}) {
            int n = 300;
            int[] v = new int[n];
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(n * Integer.BYTES).order(order);
            for (int j = 0; j < n; j++) {
                v[j] = j == 7 ? Integer.MAX_VALUE : j == 8 ? Integer.MIN_VALUE : r.nextInt(2001) - 1000;
                b.putInt(j * Integer.BYTES, v[j]);
            }
            for (DotKernel kernel : new DotKernel[] {DotKernel.best(), DotKernel.plain()}) {
                for (int t = 0; t < 400; t++) {
                    int from = r.nextInt(n);
                    int to = from + r.nextInt(Math.min(70, n - from + 1));
                    int threshold = t % 10 == 0 ? Integer.MIN_VALUE : t % 10 == 1 ? Integer.MAX_VALUE : r.nextInt(2201) - 1100;
                    int want = to;
                    for (int j = from; j < to; j++) {
                        if (v[j] > threshold) {
                            want = j;
                            break;
                        }
                    }
                    assertEquals(want, kernel.firstAbove(b, from, to, threshold),
                            kernel.name() + ", " + order + ", " + from + ".." + to + " above " + threshold);
                }
                assertThrows(IndexOutOfBoundsException.class, () -> kernel.firstAbove(b, 290, n + 1, 0));
            }
        }
    }
}
