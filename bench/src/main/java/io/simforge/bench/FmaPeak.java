package io.simforge.bench;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's float32 fused multiply-add peak, measured: twelve independent chains of SIMD FMAs per thread
 * (enough to cover the FMA latency on two ports), no memory traffic, on every core at once. The yardstick for the
 * GFLOP/s of exact search ("what fraction of the limit does each tool reach"). Needs the JVM started with
 * {@code --add-modules jdk.incubator.vector}, as the {@code simforge} launcher does.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;

    private FmaPeak() {}

    /** GFLOP/s (two per lane per FMA) with {@code threads} threads: the best of three half-second rounds. */
    public static double gflops(int threads) {
        int iterations = 1_000_000;
        chains(10_000); // compile the loop before timing it
        double best = 0;
        for (int round = 0; round < 3; round++) {
            long t = System.nanoTime();
            double sink = IntStream.range(0, threads).parallel().mapToDouble(i -> chains(iterations)).sum();
            double seconds = (System.nanoTime() - t) / 1e9;
            if (Double.isNaN(sink)) {
                throw new AssertionError("unreachable: keeps the result alive");
            }
            best = Math.max(best, (double) threads * iterations * CHAINS * S.length() * 2 / seconds / 1e9);
        }
        return best;
    }

    /** SIMD lanes of a float vector here. */
    public static int lanes() {
        return S.length();
    }

    private static float chains(int iterations) {
        FloatVector x = FloatVector.broadcast(S, 0.999999f);
        FloatVector y = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(x, y);
            c1 = c1.fma(x, y);
            c2 = c2.fma(x, y);
            c3 = c3.fma(x, y);
            c4 = c4.fma(x, y);
            c5 = c5.fma(x, y);
            c6 = c6.fma(x, y);
            c7 = c7.fma(x, y);
            c8 = c8.fma(x, y);
            c9 = c9.fma(x, y);
            c10 = c10.fma(x, y);
            c11 = c11.fma(x, y);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
