package io.simforge.bench;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingListener;
import io.simforge.train.TrainingRun;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Resident memory over a long training run: the quickstart's ConvNet and MS loss on the bundled data for
 * many iterations, with the process's resident set size (Linux {@code /proc/self/status}) and the Java
 * heap in use recorded at regular intervals. Native memory that is not released every step shows up here
 * as a steady climb.
 */
public final class MemoryBenchmark {
    private final PrintStream out;

    public MemoryBenchmark(PrintStream out) {
        this.out = out;
    }

    /** One sample: iteration, resident MiB, heap in use MiB. */
    public record Sample(int iteration, long residentMib, long heapMib) {}

    public List<Sample> run(int iterations, int every, boolean ee) {
        TrainConfig c = TrainConfig.builder().optIterations(iterations).optEmbeddingExpansion(ee).build();
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4));
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        try (TrainedModel m = TrainingRun.builder().setConfig(c)
                .setData(TrainingData.of(data, Preprocessing.fashionMnist(), "Fashion-MNIST"))
                .optListener(TrainingListener.everyIteration((it, total, loss) -> {
                    if (it == 1 || it % every == 0) {
                        Runtime rt = Runtime.getRuntime();
                        samples.add(new Sample(it, residentMib(), (rt.totalMemory() - rt.freeMemory()) >> 20));
                    }
                })).build().run()) {
            out.printf(Locale.ROOT, "%d iterations (%s) in %.0f s%n%n", iterations, ee ? "MS + EE" : "MS",
                    (System.nanoTime() - t0) / 1e9);
        }
        out.println("| Iteration | Resident (MiB) | Java heap in use (MiB) |");
        out.println("|---|---|---|");
        samples.forEach(s -> out.printf(Locale.ROOT, "| %d | %d | %d |%n", s.iteration(), s.residentMib(), s.heapMib()));
        int half = samples.size() / 2;
        if (half > 1) {
            Sample mid = samples.get(half);
            Sample last = samples.get(samples.size() - 1);
            out.printf(Locale.ROOT, "%nSecond half: resident %+d MiB over %d iterations (%.1f KiB per iteration)%n",
                    last.residentMib() - mid.residentMib(), last.iteration() - mid.iteration(),
                    (last.residentMib() - mid.residentMib()) * 1024.0 / (last.iteration() - mid.iteration()));
        }
        return samples;
    }

    static long residentMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
