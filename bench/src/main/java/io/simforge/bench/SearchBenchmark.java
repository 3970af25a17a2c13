package io.simforge.bench;

import io.simforge.core.io.Npy;
import io.simforge.core.linalg.DotKernel;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.OnnxIndexScorer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Exact top-k search speed of {@link ExactIndex}: random unit vectors (seeded) as gallery and queries, one
 * batch of queries searched at once, best of several runs (queries/s). The peer script
 * {@code bench/faiss/search.py} times faiss's {@code IndexFlatIP} the same way; with {@code save} the data
 * and our top-k ids are written as NumPy files so that script can check it finds the same neighbours.
 */
public final class SearchBenchmark {
    private final PrintStream out;

    public SearchBenchmark(PrintStream out) {
        this.out = out;
    }

    public double run(int gallery, int queries, int dim, int k, boolean fp16, int runs, long seed, Path save,
            boolean onnx) throws IOException {
        float[] q = unitRows(0, queries, dim, seed + 1);
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT, fp16 ? ExactIndex.Storage.FLOAT16
                : ExactIndex.Storage.FLOAT32);
        long t0 = System.nanoTime();
        index.reserve(gallery);
        if (save != null) {
            float[] g = unitRows(0, gallery, dim, seed);
            index.addAll(ids(0, gallery), g);
            Npy.writeFloats(save.resolve("gallery.npy"), g, gallery, dim);
            Npy.writeFloats(save.resolve("queries.npy"), q, queries, dim);
        } else {
            // In slices, so the gallery is only held once (in the index).
            for (int from = 0; from < gallery; from += 65_536) {
                int count = Math.min(65_536, gallery - from);
                index.addAll(ids(from, count), unitRows(from, count, dim, seed));
            }
        }
        double build = (System.nanoTime() - t0) / 1e9;
        List<List<ExactIndex.Hit>> hits = null;
        double best = Double.POSITIVE_INFINITY;
        try (OnnxIndexScorer scorer = onnx ? new OnnxIndexScorer(io.simforge.core.device.DeviceSpec.cpu(), 0) : null) {
            if (scorer != null) {
                scorer.search(index, java.util.Arrays.copyOf(q, dim), k); // the one-off copy into a native tensor
            }
            for (int r = 0; r < runs; r++) {
                long t = System.nanoTime();
                hits = scorer != null ? scorer.search(index, q, k) : index.search(q, k);
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
        }
        if (save != null) {
            int[] top = new int[queries * k];
            for (int i = 0; i < queries; i++) {
                for (int j = 0; j < k; j++) {
                    top[i * k + j] = Integer.parseInt(hits.get(i).get(j).id());
                }
            }
            Npy.writeInts(save.resolve("simforge-top" + k + ".npy"), top);
        }
        double qps = queries / best;
        out.printf(Locale.ROOT, "simforge ExactIndex (%s, %s): %d queries × %d gallery × %d dims, top-%d: best of %d "
                + "%.3f s = %.0f queries/s (index built in %.1f s, vectors %d MiB)%n", fp16 ? "float16" : "float32",
                onnx ? "ONNX Runtime graph" : DotKernel.best().name(), queries, gallery, dim, k, runs, best, qps, build, index.vectorBytes() >> 20);
        return qps;
    }

    /** Ids "from", "from+1", … as a list view. */
    private static List<String> ids(int from, int n) {
        return new AbstractList<>() {
            @Override
            public String get(int i) {
                return Integer.toString(from + i);
            }

            @Override
            public int size() {
                return n;
            }
        };
    }

    /** Rows {@code first … first + n − 1} of a seeded random matrix of unit rows (each row has its own seed). */
    static float[] unitRows(int first, int n, int dim, long seed) {
        float[] x = new float[n * dim];
        IntStream.range(0, n).parallel().forEach(i -> {
            Random r = new Random(seed * 1_000_003L + first + i);
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                float v = (float) r.nextGaussian();
                x[i * dim + d] = v;
                norm += (double) v * v;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] *= inv;
            }
        });
        return x;
    }
}
