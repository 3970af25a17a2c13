package io.simforge.bench;

import io.simforge.infer.Embedder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Embedding throughput of {@link Embedder} on random inputs of the model's input shape: batches of a fixed
 * size after a warm-up, best of several timed rounds (images/s). The peer script
 * {@code bench/ort-node/embed.js} does the same with onnxruntime-node on the same model file.
 */
public final class EmbedBenchmark {
    private final PrintStream out;

    public EmbedBenchmark(PrintStream out) {
        this.out = out;
    }

    public double run(Path model, int batch, int threads, int batchesPerRound, int rounds) {
        try (Embedder e = Embedder.builder().setModelPath(model).optBatchSize(batch).optThreads(threads).build()) {
            int item = e.metadata().itemSize();
            Random r = new Random(1);
            float[] inputs = new float[batch * item];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < Math.max(10, batchesPerRound / 5); i++) {
                e.embed(inputs);
            }
            double[] rates = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < batchesPerRound; i++) {
                    e.embed(inputs);
                }
                rates[round] = (double) batch * batchesPerRound / ((System.nanoTime() - t0) / 1e9);
            }
            double best = Arrays.stream(rates).max().orElse(0);
            out.printf(Locale.ROOT, "simforge Embedder (ONNX Runtime Java): %s, batch %d, %d threads: best %.0f images/s, "
                    + "rounds %s%n", model.getFileName(), batch, threads, best, Arrays.toString(Arrays.stream(rates)
                    .mapToLong(Math::round).toArray()));
            return best;
        }
    }
}
