package io.simforge.bench;

import io.simforge.core.io.Npy;
import io.simforge.core.linalg.DotKernel;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.OnnxIndexScorer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Exact top-k search speed of {@link ExactIndex} on random unit vectors (seeded), as the peer script
 * {@code bench/faiss/search.py} measures faiss: building the index ({@code addAll} only, the data generated before
 * the clock starts), every timed run of one batch of queries (queries/s, GFLOP/s and the fraction of the measured
 * FMA peak), small batches of 1 and 10 queries (latency per call, p50 and p99), memory, and optionally saving and
 * loading the index next to plainly reading its file. With {@code save} the data and our top-k ids are written as
 * NumPy files so the peer script can check it finds the same neighbours. With {@link ExactIndex.Storage#INT8} it
 * also reports recall@k against a float32 index of the same data, searched after the timed runs, and which scorer
 * of the codes ran for each batch size ({@link ExactIndex#int8ScorerFor}).
 */
public final class SearchBenchmark {
    private final PrintStream out;

    public SearchBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Who scores: {@code AUTO} the index's own choice (the Java kernel for float32 and float16; for int8 ONNX Runtime
     * from {@link ExactIndex#INT8_ONNX_MIN_QUERIES} queries per call), {@code JAVA} the Java kernel, {@code ONNX} ONNX
     * Runtime (float storages: the MatMul + TopK graph of {@link OnnxIndexScorer}; int8: the integer product of
     * {@link ExactIndex.Int8Scoring#ONNX_RUNTIME}).
     */
    public enum Scoring { AUTO, JAVA, ONNX }

    /** Batch sizes of the small-batch latency runs (those that fit in the small-batch query count). */
    private static final int[] SMALL_BATCHES = {1, 10, 64, 256};

    /** What to measure besides the batch runs. */
    public record Extras(int smallBatchQueries, Path loadDir, double peakGflops) {}

    public void run(int gallery, int queries, int dim, int k, ExactIndex.Storage storage, int runs, long seed,
            Path save, Scoring scoring, Extras extras) throws IOException {
        boolean int8 = storage == ExactIndex.Storage.INT8;
        String what = String.format(Locale.ROOT, "simforge ExactIndex (%s, %s)", storage.name().toLowerCase(Locale.ROOT),
                int8 ? "int8 scoring " + scoring.name().toLowerCase(Locale.ROOT)
                        : scoring == Scoring.ONNX ? "ONNX Runtime graph" : DotKernel.best().name());
        Path saved = measure(gallery, queries, dim, k, storage, runs, seed, save, scoring, extras, what);
        if (saved != null) {
            measureLoad(saved, what); // here, where the index measured above is garbage: the heap is the app's at start
        }
    }

    /** Everything but loading; returns the saved index file when {@code extras} asks for loading. */
    private Path measure(int gallery, int queries, int dim, int k, ExactIndex.Storage storage, int runs, long seed,
            Path save, Scoring scoring, Extras extras, String what) throws IOException {
        float[] q = unitRows(0, queries, dim, seed + 1);
        ExactIndex index = new ExactIndex(dim, ExactIndex.Metric.DOT, storage);
        boolean int8 = storage == ExactIndex.Storage.INT8;
        index.setInt8Scoring(switch (scoring) {
            case AUTO -> ExactIndex.Int8Scoring.AUTO;
            case JAVA -> ExactIndex.Int8Scoring.JAVA;
            case ONNX -> ExactIndex.Int8Scoring.ONNX_RUNTIME;
        });
        double build = fill(index, gallery, seed, save);
        if (save != null) {
            Npy.writeFloats(save.resolve("queries.npy"), q, queries, dim);
        }
        out.printf(Locale.ROOT, "%s: %d × %d gallery built (addAll) in %.2f s%n", what, gallery, dim, build);
        double flop = 2.0 * queries * gallery * dim;
        List<List<ExactIndex.Hit>> hits = null;
        try (index; OnnxIndexScorer scorer = scoring == Scoring.ONNX && !int8
                ? new OnnxIndexScorer(io.simforge.core.device.DeviceSpec.cpu(), 0) : null) {
            Searcher search = scorer != null ? (x, kk) -> scorer.search(index, x, kk) : index::search;
            // Warm-up: also the ONNX scorer's one-off copy into a tensor, and int8's quantising of the vectors.
            long warm = System.nanoTime();
            search.search(Arrays.copyOf(q, dim), k);
            out.printf(Locale.ROOT, "%s: first search of one query (%s) %.2f s; vectors %d MiB%n", what,
                    int8 ? "quantises the vectors" : "warm-up", (System.nanoTime() - warm) / 1e9,
                    index.vectorBytes() >> 20);
            if (int8 && index.int8ScorerFor(queries) == ExactIndex.Int8Scoring.ONNX_RUNTIME) {
                int n = Math.min(queries, ExactIndex.INT8_ONNX_MIN_QUERIES);
                warm = System.nanoTime();
                search.search(Arrays.copyOf(q, n * dim), k);
                out.printf(Locale.ROOT, "%s: first search of %d queries (opens ONNX Runtime, which packs the "
                        + "codes once) %.2f s%n", what, n, (System.nanoTime() - warm) / 1e9);
            }
            double[] times = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t = System.nanoTime();
                hits = search.search(q, k);
                times[r] = (System.nanoTime() - t) / 1e9;
                double gflops = flop / times[r] / 1e9;
                out.printf(Locale.ROOT, "%s: %d queries × %d gallery × %d dims, top-%d, run %d: %.3f s = %.0f "
                        + "queries/s, %.1f GFLOP/s%s%s%n", what, queries, gallery, dim, k, r + 1, times[r],
                        queries / times[r], gflops, extras.peakGflops() > 0
                                ? String.format(Locale.ROOT, " (%.0f%% of peak)", 100 * gflops / extras.peakGflops()) : "",
                        scorerRan(index, queries));
            }
            for (int batch : SMALL_BATCHES) {
                int n = Math.min(extras.smallBatchQueries(), queries) / batch * batch;
                if (n == 0) {
                    continue;
                }
                double[] latency = new double[n / batch];
                long t0 = System.nanoTime();
                for (int b = 0; b < latency.length; b++) {
                    float[] part = Arrays.copyOfRange(q, b * batch * dim, (b + 1) * batch * dim);
                    long t = System.nanoTime();
                    search.search(part, k);
                    latency[b] = (System.nanoTime() - t) / 1e6;
                }
                double total = (System.nanoTime() - t0) / 1e9;
                Arrays.sort(latency);
                out.printf(Locale.ROOT, "%s: %d queries in batches of %d over %d gallery: %.0f queries/s, per batch "
                        + "p50 %.2f ms, p99 %.2f ms%s%n", what, n, batch, gallery, n / total,
                        percentile(latency, 0.50), percentile(latency, 0.99), scorerRan(index, batch));
            }
        }
        out.printf(Locale.ROOT, "%s: memory: heap used %d MiB, process peak RSS %s%n", what,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20, peakRss());
        Path saved = null;
        if (extras.loadDir() != null) {
            saved = Files.createTempFile(Files.createDirectories(extras.loadDir()), "bench-", ".sfindex");
            long t = System.nanoTime();
            index.save(saved);
            out.printf(Locale.ROOT, "%s: saved in %.2f s%n", what, (System.nanoTime() - t) / 1e9);
        }
        if (int8) {
            ExactIndex reference = new ExactIndex(dim, ExactIndex.Metric.DOT);
            fill(reference, gallery, seed, null);
            List<List<ExactIndex.Hit>> exact = reference.search(q, k);
            long shared = 0;
            long identical = 0;
            for (int i = 0; i < queries; i++) {
                List<String> want = exact.get(i).stream().map(ExactIndex.Hit::id).toList();
                List<String> got = hits.get(i).stream().map(ExactIndex.Hit::id).toList();
                shared += got.stream().filter(want::contains).count();
                identical += exact.get(i).equals(hits.get(i)) ? 1 : 0;
            }
            out.printf(Locale.ROOT, "%s: recall@%d against float32 %.4f; %d of %d result lists identical to float32's "
                    + "(ids and scores)%n", what, k, shared / (double) (queries * k), identical, queries);
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
        return saved;
    }

    /**
     * Adds the seeded gallery to {@code index} and returns the seconds {@code addAll} took (the data is generated
     * before the clock starts); with {@code save}, also writes it as {@code gallery.npy} there.
     */
    private static double fill(ExactIndex index, int gallery, long seed, Path save) throws IOException {
        int dim = index.dimension();
        if (save != null) {
            float[] g = unitRows(0, gallery, dim, seed);
            long t = System.nanoTime();
            index.addAll(ids(0, gallery), g);
            double build = (System.nanoTime() - t) / 1e9;
            Npy.writeFloats(save.resolve("gallery.npy"), g, gallery, dim);
            return build;
        }
        // In slices, so the gallery is held once (in the index) plus one slice; only addAll is timed.
        index.reserve(gallery);
        double build = 0;
        for (int from = 0; from < gallery; from += 65_536) {
            int count = Math.min(65_536, gallery - from);
            float[] slice = unitRows(from, count, dim, seed);
            List<String> sliceIds = ids(from, count);
            long t = System.nanoTime();
            index.addAll(sliceIds, slice);
            build += (System.nanoTime() - t) / 1e9;
        }
        return build;
    }

    /** For int8 storage, which scorer of the codes a batch of {@code queries} ran on (after any fallback). */
    private static String scorerRan(ExactIndex index, int queries) {
        if (index.storage() != ExactIndex.Storage.INT8) {
            return "";
        }
        return index.int8ScorerFor(queries) == ExactIndex.Int8Scoring.ONNX_RUNTIME
                ? "; codes scored by ONNX Runtime (MatMulInteger)" : "; codes scored by the Java kernel";
    }

    @FunctionalInterface
    private interface Searcher {
        List<List<ExactIndex.Hit>> search(float[] queries, int k);
    }

    /**
     * Reads the saved index file plainly and loads it, twice each in turn (both from the page cache after the first
     * read), timing each, then deletes it.
     */
    private void measureLoad(Path file, String what) throws IOException {
        try {
            for (int round = 1; round <= 2; round++) {
                System.gc(); // the previous round's index, so that loading does not wait for a collection
                long t = System.nanoTime();
                long bytes = 0;
                byte[] buffer = new byte[1 << 20];
                try (InputStream in = Files.newInputStream(file)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        bytes += n;
                    }
                }
                double read = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                int items = ExactIndex.load(file).size();
                double load = (System.nanoTime() - t) / 1e9;
                out.printf(Locale.ROOT, "%s: index file %d MiB, round %d: read plainly in %.2f s, loaded in %.2f s "
                        + "(%d items)%n", what, bytes >> 20, round, read, load, items);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** The process's peak resident memory (VmHWM), heap and native together, from /proc; "?" elsewhere. */
    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: no figure
        }
        return "?";
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
