package io.simforge.bench;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.io.Npy;
import io.simforge.hnsw.HnswIndex;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.VectorIndex;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Approximate search with {@link HnswIndex}: build time ({@link HnswIndex#bulkLoad}: one graph built on all threads),
 * index size on disk and heap after the build, then for each search beam the queries/s of one batch of every
 * query (on the index's threads, after three warm-up batches; the better of two runs) and recall@10 against the exact top 10 in {@code truth.npy}.
 * The data and the exact answer come from {@code bench/faiss/hnsw.py make}; {@code bench/faiss/hnsw.py run} times
 * faiss's {@code IndexHNSWFlat} on the same files.
 */
public final class HnswBenchmark {
    private final PrintStream out;

    public HnswBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Builds the index (in {@code work}, or a temporary folder deleted afterwards) and sweeps the search beams; with
     * {@code searchOnly}, opens the index a previous run left in {@code work} and sweeps the beams on it.
     */
    public void run(Path data, int m, int efConstruction, int[] beams, int threads, HnswIndex.Scorer scorer,
            boolean int8, Path work, boolean searchOnly) throws IOException {
        Npy.FloatArray queries = Npy.readFloats(data.resolve("queries.npy"));
        Npy.FloatArray truth = Npy.readFloats(data.resolve("truth.npy"));
        if (searchOnly) {
            if (work == null) {
                throw new InvalidInputException("searching an index built before needs its folder (--work)");
            }
            try (HnswIndex index = HnswIndex.open(work)) {
                out.printf(Locale.ROOT, "Java %s, %d cores; Lucene %s; searching the index in %s (%d x %d, M %d, "
                        + "efConstruction %d, %s), on all cores%n", System.getProperty("java.version"),
                        Runtime.getRuntime().availableProcessors(), org.apache.lucene.util.Version.LATEST, work,
                        index.size(), index.dimension(), index.m(), index.beamWidth(),
                        index.storage() == HnswIndex.Storage.INT8 ? "int8" : "float32, scorer " + index.scorer());
                sweep(index, queries, truth, beams);
            }
            return;
        }
        Npy.FloatArray gallery = Npy.readFloats(data.resolve("gallery.npy"));
        int n = gallery.rows();
        int dim = gallery.rowSize();
        Path folder = work != null ? work : Files.createTempDirectory("simforge-hnsw-bench");
        Files.deleteIfExists(folder); // the builder wants a new or empty folder
        List<String> ids = new AbstractList<>() {
            @Override
            public String get(int i) {
                return Integer.toString(i);
            }

            @Override
            public int size() {
                return n;
            }
        };
        out.printf(Locale.ROOT, "Java %s, %d cores; Lucene %s; %d x %d, M %d, efConstruction %d, %d threads, %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                org.apache.lucene.util.Version.LATEST, n, dim, m, efConstruction, threads,
                int8 ? "int8" : "float32, scorer " + scorer);
        long t0 = System.nanoTime();
        try (HnswIndex index = HnswIndex.builder().setFolder(folder).setDimension(dim).optMetric(VectorIndex.Metric.DOT)
                .optM(m).optBeamWidth(efConstruction).optThreads(threads).optRamBufferMb(2000)
                .optStorage(int8 ? HnswIndex.Storage.INT8 : HnswIndex.Storage.FLOAT32).optScorer(scorer).build()) {
            index.bulkLoad(ids, gallery.values(), null);
            long t1 = System.nanoTime();
            gallery = null; // let the heap figure show the index, not the input
            System.gc();
            long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            out.printf(Locale.ROOT, "build %.1f s (bulk load: one graph, built while merging to one segment); index "
                    + "files %.0f MB (vectors and graph: %s); heap after build %.0f MB%n", (t1 - t0) / 1e9,
                    folderBytes(folder) / 1048576.0, vectorFiles(folder), heap / 1048576.0);
            sweep(index, queries, truth, beams);
        } finally {
            if (work == null) {
                deleteTree(folder);
            }
        }
    }

    /** Queries/s and recall@10 per beam: all queries as one batch, after three warm-up batches; the better of two. */
    private void sweep(HnswIndex index, Npy.FloatArray queries, Npy.FloatArray truth, int[] beams) {
        out.println("| beam | queries/s | recall@10 |");
        out.println("|---|---|---|");
        float[] q = queries.values();
        for (int warm = 0; warm < 3; warm++) { // the JIT compiles the Vector API paths before they are fast
            index.search(q, 10, AttributeFilter.ALL, 64);
        }
        for (int beam : beams) {
            List<List<VectorIndex.Hit>> found = null;
            double seconds = Double.MAX_VALUE;
            for (int run = 0; run < 2; run++) { // the better of two runs
                long s0 = System.nanoTime();
                found = index.search(q, 10, AttributeFilter.ALL, beam);
                seconds = Math.min(seconds, (System.nanoTime() - s0) / 1e9);
            }
            out.printf(Locale.ROOT, "| %d | %.0f | %.4f |%n", beam, queries.rows() / seconds, recall(found, truth));
        }
    }

    private static double recall(List<List<VectorIndex.Hit>> found, Npy.FloatArray truth) {
        int k = truth.rowSize();
        double sum = 0;
        for (int q = 0; q < found.size(); q++) {
            Set<String> expected = new HashSet<>();
            for (int j = 0; j < k; j++) {
                expected.add(Integer.toString((int) truth.values()[q * k + j]));
            }
            sum += found.get(q).stream().filter(h -> expected.contains(h.id())).count() / (double) k;
        }
        return sum / found.size();
    }

    private static long folderBytes(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static String vectorFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.toString().matches(".*\\.(vec|vex|veq)$"))
                    .map(p -> String.format(Locale.ROOT, "%s %.0f MB", p.getFileName().toString()
                            .replaceAll(".*\\.", "."), p.toFile().length() / 1048576.0))
                    .sorted().reduce((a, b) -> a + ", " + b).orElse("none");
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
