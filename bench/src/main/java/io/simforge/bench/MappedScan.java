package io.simforge.bench;

import io.simforge.core.linalg.PackedRows;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whether the search kernel could read a memory-mapped index (issue #18): one query scored against packed blocks
 * ({@link PackedRows}' layout, {@code dim × 128} floats each) the way the kernel's inner loop does (per dimension one
 * broadcast and 128 / lanes fused multiply-adds), the floats loaded with {@code FloatVector.fromArray} from a heap
 * array against {@code FloatVector.fromByteBuffer} from a little-endian direct buffer (what a mapping is), one thread.
 * Cache-resident blocks show the cost per load instruction; the whole gallery shows the memory-bound case.
 */
public final class MappedScan {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final PrintStream out;

    public MappedScan(PrintStream out) {
        this.out = out;
    }

    /** The two cases {@code simforge bench load --kernel-read} reports: 512 KiB in cache, and a 1M × 512 gallery. */
    public void runStandard() {
        run(512, 2, 100_000, 3); // 512 KiB: in cache
        run(512, 7_813, 2, 2); // 1,000,064 rows: memory-bound
    }

    /** Scores {@code passes} passes over {@code blocks} blocks of dimension {@code dim}, both ways, alternating. */
    public void run(int dim, int blocks, int passes, int rounds) {
        int values = blocks * PackedRows.BLOCK * dim;
        float[] array = new float[values];
        Random random = new Random(3);
        for (int i = 0; i < values; i++) {
            array[i] = random.nextFloat() - 0.5f;
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(values * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        direct.asFloatBuffer().put(array);
        float[] q = new float[dim];
        for (int d = 0; d < dim; d++) {
            q[d] = random.nextFloat();
        }
        double flop = 2.0 * values * passes;
        for (int r = 1; r <= rounds; r++) {
            long t = System.nanoTime();
            float a = 0;
            for (int p = 0; p < passes; p++) {
                a += fromArray(array, blocks, dim, q);
            }
            double arrayS = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            float b = 0;
            for (int p = 0; p < passes; p++) {
                b += fromBuffer(direct, blocks, dim, q);
            }
            double bufferS = (System.nanoTime() - t) / 1e9;
            out.printf(Locale.ROOT, "mapped scan, %d blocks × %d dims (%d MiB), %d passes, round %d: heap array %.3f s "
                    + "(%.1f GFLOP/s), direct little-endian buffer %.3f s (%.1f GFLOP/s): buffer/array %.2f%s%n",
                    blocks, dim, (long) values * Float.BYTES >> 20, passes, r, arrayS, flop / arrayS / 1e9, bufferS,
                    flop / bufferS / 1e9, bufferS / arrayS, a == b ? "" : " (sums differ!)");
        }
    }

    // Four accumulators in locals (as the kernel keeps its tile), so the vectors stay in registers.
    private static float fromArray(float[] data, int blocks, int dim, float[] q) {
        int lanes = S.length();
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            int base = b * PackedRows.BLOCK * dim;
            for (int j = 0; j < PackedRows.BLOCK; j += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int d = 0, at = base + j; d < dim; d++, at += PackedRows.BLOCK) {
                    FloatVector qd = FloatVector.broadcast(S, q[d]);
                    a0 = FloatVector.fromArray(S, data, at).fma(qd, a0);
                    a1 = FloatVector.fromArray(S, data, at + lanes).fma(qd, a1);
                    a2 = FloatVector.fromArray(S, data, at + 2 * lanes).fma(qd, a2);
                    a3 = FloatVector.fromArray(S, data, at + 3 * lanes).fma(qd, a3);
                }
                sum += a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
            }
        }
        return sum;
    }

    private static float fromBuffer(ByteBuffer data, int blocks, int dim, float[] q) {
        int lanes = S.length();
        int step = lanes * Float.BYTES;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            int base = b * PackedRows.BLOCK * dim * Float.BYTES;
            for (int j = 0; j < PackedRows.BLOCK; j += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int d = 0, at = base + j * Float.BYTES; d < dim; d++, at += PackedRows.BLOCK * Float.BYTES) {
                    FloatVector qd = FloatVector.broadcast(S, q[d]);
                    a0 = FloatVector.fromByteBuffer(S, data, at, ByteOrder.LITTLE_ENDIAN).fma(qd, a0);
                    a1 = FloatVector.fromByteBuffer(S, data, at + step, ByteOrder.LITTLE_ENDIAN).fma(qd, a1);
                    a2 = FloatVector.fromByteBuffer(S, data, at + 2 * step, ByteOrder.LITTLE_ENDIAN).fma(qd, a2);
                    a3 = FloatVector.fromByteBuffer(S, data, at + 3 * step, ByteOrder.LITTLE_ENDIAN).fma(qd, a3);
                }
                sum += a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
            }
        }
        return sum;
    }
}
