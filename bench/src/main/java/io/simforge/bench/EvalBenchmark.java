package io.simforge.bench;

import io.simforge.eval.KMeans;
import io.simforge.core.linalg.DotKernel;
import io.simforge.core.linalg.PackedRows;
import io.simforge.eval.ClusteringMetrics;
import io.simforge.core.metrics.RetrievalMetrics;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The whole evaluation at benchmark scale: synthetic L2-normalised embeddings (class centres on the sphere
 * plus noise) with as many items and classes as asked, then Recall@K + MAP@R + R-Precision by exact
 * leave-one-out search and NMI + F1 by k-means with k = the number of classes. Prints a Markdown table.
 */
public final class EvalBenchmark {
    private final PrintStream out;

    public EvalBenchmark(PrintStream out) {
        this.out = out;
    }

    /** Timings in seconds and the metric values, so the run can be checked for sense. */
    public void run(int items, int dim, int classes, double noise, int[] ks, long seed, java.nio.file.Path save)
            throws java.io.IOException {
        Runtime rt = Runtime.getRuntime();
        out.printf(Locale.ROOT, "Kernel %s, %d cores, max heap %d MiB%n", DotKernel.best().name(), rt.availableProcessors(),
                rt.maxMemory() >> 20);
        long t0 = System.nanoTime();
        int[] labels = new int[items];
        float[] x = synthetic(items, dim, classes, noise, seed, labels);
        double gen = seconds(t0);
        if (save != null) { // the very same data for the peer script bench/pml/eval.py
            java.nio.file.Files.createDirectories(save);
            io.simforge.core.io.Npy.writeFloats(save.resolve("embeddings.npy"), x, items, dim);
            io.simforge.core.io.Npy.writeInts(save.resolve("labels.npy"), labels);
        }

        // Raw scoring speed of each kernel on this data, one thread, for the record.
        double gflops = gflops(DotKernel.best(), x, items, dim);
        double plainGflops = gflops(DotKernel.plain(), x, items, dim);

        long t1 = System.nanoTime();
        RetrievalMetrics.Scores s = RetrievalMetrics.evaluate(x, dim, labels, ks);
        double retrieval = seconds(t1);

        long t2 = System.nanoTime();
        KMeans.Result km = KMeans.fit(x, dim, classes, seed);
        double kmeans = seconds(t2);
        long t3 = System.nanoTime();
        double nmi = ClusteringMetrics.nmi(labels, km.assignments());
        double f1 = ClusteringMetrics.f1(labels, km.assignments());
        double clustering = seconds(t3);
        long peak = (rt.totalMemory() - rt.freeMemory()) >> 20;

        out.printf(Locale.ROOT, "%n%d items × %d dims, %d classes, noise %.2f, seed %d%n%n", items, dim, classes, noise, seed);
        out.println("| Step | Seconds | Result |");
        out.println("|---|---|---|");
        out.printf(Locale.ROOT, "| generate data | %.1f | |%n", gen);
        out.printf(Locale.ROOT, "| inner-product kernel alone, one thread: %s | | %.1f GFLOP/s |%n", DotKernel.best().name(),
                gflops);
        out.printf(Locale.ROOT, "| inner-product kernel alone, one thread: plain Java | | %.1f GFLOP/s |%n", plainGflops);
        StringBuilder recall = new StringBuilder();
        s.recallAtK().forEach((k, v) -> recall.append(String.format(Locale.ROOT, "R@%d %.4f, ", k, v)));
        out.printf(Locale.ROOT, "| exact leave-one-out search: Recall@K, P@1, MAP@R, R-Precision | %.1f | %sMAP@R %.4f, "
                + "R-Prec %.4f |%n", retrieval, recall, s.mapAtR(), s.rPrecision());
        out.printf(Locale.ROOT, "| k-means++ and Lloyd, k = %d | %.1f | seeding %.1f s, Lloyd %.1f s for %d "
                + "iterations, %s |%n", classes, kmeans, km.seedingSeconds(), km.lloydSeconds(), km.iterations(),
                km.converged() ? "converged" : "stopped at the cap");
        out.printf(Locale.ROOT, "| NMI and F1 from the clustering | %.2f | NMI %.4f, F1 %.4f |%n", clustering, nmi, f1);
        out.printf(Locale.ROOT, "| **whole evaluation** | **%.1f** | Java heap in use at the end: %d MiB |%n",
                retrieval + kmeans + clustering, peak);
        int groups = km.trace().get(0).scoredGroups() == 0 ? 1 : (int) (km.trace().get(0).scoredGroups() / items);
        out.printf(Locale.ROOT, "%nLloyd's iterations (%d groups of centres; a point left to score is scored against "
                + "the groups its bounds cannot rule out)%n%n", groups);
        out.println("| Iteration | Seconds | Points settled by the bounds | (point, group) pairs scored | Points that "
                + "changed cluster |");
        out.println("|---|---|---|---|---|");
        for (int i = 0; i < km.trace().size(); i++) {
            KMeans.Iteration it = km.trace().get(i);
            out.printf(Locale.ROOT, "| %d | %.2f | %d (%.1f %%) | %d (%.1f %% of all) | %d |%n", i + 1, it.seconds(),
                    it.settledPoints(), 100.0 * it.settledPoints() / items, it.scoredGroups(),
                    100.0 * it.scoredGroups() / ((double) items * groups), it.changed());
        }
    }

    private static double gflops(DotKernel kernel, float[] x, int items, int dim) {
        PackedRows packed = PackedRows.pack(x, Math.min(items, 4096), dim);
        int queries = Math.min(items, 256);
        float[] buf = new float[queries * PackedRows.BLOCK];
        long start = System.nanoTime();
        long reps = 0;
        while (System.nanoTime() - start < 2_000_000_000L) {
            for (int b = 0; b < packed.blocks(); b++) {
                kernel.scores(x, 0, queries, packed, b, buf);
            }
            reps++;
        }
        return 2.0 * queries * packed.blocks() * PackedRows.BLOCK * dim * reps / seconds(start) / 1e9;
    }

    /** Items spread over {@code classes} evenly (item i has class i mod classes), each centre + Gaussian noise. */
    static float[] synthetic(int items, int dim, int classes, double noise, long seed, int[] labels) {
        float[] centres = new float[classes * dim];
        Random r = new Random(seed);
        for (int c = 0; c < classes; c++) {
            gaussianUnit(r, centres, c * dim, dim, 0, null, 0);
        }
        float[] x = new float[items * dim];
        IntStream.range(0, items).parallel().forEach(i -> {
            labels[i] = i % classes;
            gaussianUnit(new Random(seed * 31 + i), x, i * dim, dim, noise / Math.sqrt(dim), centres, labels[i] * dim);
        });
        return x;
    }

    private static void gaussianUnit(Random r, float[] out, int off, int dim, double sigma, float[] centre, int cOff) {
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            double v = centre == null ? r.nextGaussian() : centre[cOff + d] + sigma * r.nextGaussian();
            out[off + d] = (float) v;
            norm += v * v;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < dim; d++) {
            out[off + d] *= inv;
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
