package io.simforge.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.ScalarArrays;
import io.simforge.train.LossKind;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingListener;
import io.simforge.train.TrainingRun;
import io.simforge.train.Losses;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import io.simforge.train.loss.CrossBatchMemory;
import io.simforge.train.loss.EmbeddingBatch;
import io.simforge.train.loss.MetricLoss;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Loss cost on the CPU: forward + backward of each loss with and without Embedding Expansion at B = 80
 * and B = 1000 (512-d), the MS loss against the same computation written straight on the NDArray API,
 * the share EE adds to a whole ConvNet training step, the cross-batch memory at M = 8,192 and 65,536,
 * Proxy-Anchor and ArcFace with 100 and 11,318 classes, and resident memory over a long run with a memory and
 * with proxies. Prints Markdown tables.
 */
public final class LossBenchmark {
    private final PrintStream out;

    public LossBenchmark(PrintStream out) {
        this.out = out;
    }

    /** Median milliseconds of forward + backward of {@code loss} on random unit embeddings. */
    static double time(BiFunction<NDArray, NDArray, NDArray> loss, int b, int k, int dim, int reps) {
        return time(new MetricLoss("timed") {
            @Override
            public NDArray compute(EmbeddingBatch batch) {
                return loss.apply(batch.embeddings(), batch.labels());
            }
        }, b, k, dim, reps, b / k);
    }

    /**
     * Median milliseconds of one training step of {@code loss} on random unit embeddings of a P×K batch (labels
     * {@code i / k}, taken modulo {@code classes}): forward, backward (into the embeddings and the loss's own
     * parameters) and {@link MetricLoss#endStep} (a cross-batch memory remembers the batch there). A memory is
     * filled before the timing starts.
     */
    static double time(MetricLoss loss, int b, int k, int dim, int reps, int classes) {
        Random r = new Random(b);
        float[] x = new float[b * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = (i / k) % classes;
        }
        int fill = loss instanceof CrossBatchMemory xbm ? (xbm.getSize() + b - 1) / b : 0;
        int warmup = 3;
        double[] ms = new double[reps];
        try (NDManager manager = NDManager.newBaseManager()) {
            loss.initialize(manager, DataType.FLOAT32, classes, dim, 1);
            for (int rep = -warmup - fill; rep < reps; rep++) {
                try (NDManager step = manager.newSubManager()) {
                    loss.beginStep(step);
                    NDArray raw = step.create(x, new Shape(b, dim));
                    NDArray e = raw.div(raw.square().sum(new int[] {1}, true).sqrt());
                    e.setRequiresGradient(true);
                    int first = (rep + warmup + fill) * b;
                    EmbeddingBatch batch = EmbeddingBatch.of(e, step.create(y), step.arange(first, first + b));
                    if (rep < -warmup) {
                        loss.endStep(batch, 1); // fills the memory first, as a long run has
                        continue;
                    }
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(loss.compute(batch));
                    }
                    e.getGradient().getFloat(0, 0); // waits for the backward pass to finish
                    loss.endStep(batch, 1);
                    if (rep >= 0) {
                        ms[rep] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    /** The MS loss of methods.md §1 in one straight block of NDArray calls, for the overhead comparison. */
    static NDArray straightLineMs(NDArray x, NDArray y) {
        float alpha = 2f;
        float beta = 40f;
        float lambda = 0.5f;
        float eps = 0.1f;
        long m = y.size();
        NDArray s = x.matMul(x.transpose());
        NDArray same = y.reshape(m, 1).eq(y.reshape(1, m));
        NDArray pos = same.logicalAnd(x.getManager().eye((int) m).toType(DataType.BOOLEAN, false).logicalNot());
        NDArray neg = same.logicalNot();
        NDArray fixed = s.stopGradient();
        NDArray inf = x.getManager().create(Float.POSITIVE_INFINITY);
        NDArray minPos = NDArrays.where(pos, fixed, inf).min(new int[] {1}, true);
        NDArray maxNeg = NDArrays.where(neg, fixed, inf.neg()).max(new int[] {1}, true);
        NDArray keepNeg = neg.logicalAnd(fixed.add(eps).gt(minPos));
        NDArray keepPos = pos.logicalAnd(fixed.sub(eps).lt(maxNeg));
        // Scalars as arrays (see ScalarArrays): DJL's Number overloads free the scalar autograd still needs.
        NDArray zero = ScalarArrays.of(s, 0f);
        NDArray zp = s.sub(lambda).mul(ScalarArrays.of(s, -alpha));
        NDArray zn = s.sub(lambda).mul(ScalarArrays.of(s, beta));
        NDArray mp = NDArrays.where(keepPos, zp, inf.neg()).stopGradient().max(new int[] {1}, true).maximum(zero);
        NDArray mn = NDArrays.where(keepNeg, zn, inf.neg()).stopGradient().max(new int[] {1}, true).maximum(zero);
        NDArray sp = NDArrays.where(keepPos, zp.sub(mp), inf.neg()).exp().sum(new int[] {1}, true);
        NDArray sn = NDArrays.where(keepNeg, zn.sub(mn), inf.neg()).exp().sum(new int[] {1}, true);
        NDArray lp = mp.add(mp.neg().exp().add(sp).log()).mul(ScalarArrays.of(s, 1f / alpha));
        NDArray ln = mn.add(mn.neg().exp().add(sn).log()).mul(ScalarArrays.of(s, 1f / beta));
        NDArray valid = keepPos.toType(DataType.INT32, false).sum(new int[] {1}, true).gt(0)
                .logicalAnd(keepNeg.toType(DataType.INT32, false).sum(new int[] {1}, true).gt(0));
        return lp.add(ln).mul(valid.toType(DataType.FLOAT32, false)).sum().mul(ScalarArrays.of(s, 1f / m));
    }

    /** Mean milliseconds of a whole training step (forward, loss, backward, Adam) after a warm-up. */
    static double stepMillis(LossKind loss, boolean ee, int iterations, ImageDataset data) {
        TrainConfig c = TrainConfig.builder().optLoss(loss).optEmbeddingExpansion(ee).optIterations(iterations).build();
        long[] marks = new long[2];
        int warm = Math.min(10, iterations / 4);
        try (TrainedModel m = TrainingRun.builder().setConfig(c)
                .setData(TrainingData.of(data, Preprocessing.fashionMnist(), "Fashion-MNIST"))
                .optListener(TrainingListener.everyIteration((it, total, l) -> {
                    if (it == warm) {
                        marks[0] = System.nanoTime();
                    } else if (it == total) {
                        marks[1] = System.nanoTime();
                    }
                })).build().run()) {
            return (marks[1] - marks[0]) / 1e6 / (iterations - warm);
        }
    }

    /** The parts of the benchmark, each one table. */
    public enum Section {
        /** Forward + backward of every loss, with and without EE, at B = 80 and 1000. */
        LOSSES,
        /** The MS loss against the same computation written straight on the NDArray API. */
        STRAIGHT,
        /** EE's share of a whole ConvNet training step. */
        STEP,
        /** The cross-batch memory at M = 8,192 and 65,536. */
        XBM,
        /** Proxy-Anchor and ArcFace with 100 and 11,318 classes. */
        CLASSES,
        /** Resident memory over a long run with a memory and with proxies. */
        MEMORY
    }

    /** Measures and prints {@code sections}. */
    public void run(java.util.Set<Section> sections, int repsSmall, int repsLarge, int trainIterations,
            int memoryIterations) {
        int dim = 512;
        if (sections.contains(Section.LOSSES)) {
            everyLoss(dim, repsSmall, repsLarge);
        }
        if (sections.contains(Section.XBM)) {
            crossBatchMemory(dim, repsSmall, repsLarge);
        }
        if (sections.contains(Section.CLASSES)) {
            classVectors(dim, repsSmall);
        }
        if (sections.contains(Section.STRAIGHT)) {
            straightLine(dim, repsLarge);
        }
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4));
        if (sections.contains(Section.STEP)) {
            trainingStep(trainIterations, data);
        }
        if (sections.contains(Section.MEMORY) && memoryIterations > 0) {
            residentMemory(memoryIterations, data);
        }
    }

    private void everyLoss(int dim, int repsSmall, int repsLarge) {
        out.println("### Forward + backward of each loss (median ms, 512-d, CPU)");
        out.println();
        out.println("| Loss | B=80 | B=80 + EE (n=2) | B=1000 | B=1000 + EE (n=2) |");
        out.println("|---|---|---|---|---|");
        for (LossKind name : LossKind.values()) {
            List<String> cells = new ArrayList<>();
            for (int[] bk : new int[][] {{80, 16, repsSmall}, {1000, 10, repsLarge}}) {
                for (boolean ee : new boolean[] {false, true}) {
                    MetricLoss plain = Losses.fromConfig(TrainConfig.builder().optLoss(name).build());
                    if (ee && !plain.isPairBased()) {
                        cells.add("—"); // EE wraps pair-based losses only
                        continue;
                    }
                    MetricLoss loss = ee ? Losses.fromConfig(TrainConfig.builder().optLoss(name)
                            .optEmbeddingExpansion(true).build()) : plain;
                    // Losses with a vector per class get 100 classes (CUB's training split), the batch holds B/K.
                    cells.add(String.format(Locale.ROOT, "%.2f", time(loss, bk[0], bk[1], dim, bk[2], 100)));
                }
            }
            out.println("| " + name + " | " + String.join(" | ", cells) + " |");
        }
        out.println();
        out.println("Proxy-Anchor, ArcFace and CosFace with 100 classes; their time includes the gradient for the class "
                + "vectors, not the vectors' optimiser update.");
        out.println();
    }

    private void straightLine(int dim, int repsLarge) {
        // Alternate the two variants over several rounds and keep each one's best median, so that JIT
        // warm-up and background noise do not favour whichever runs second.
        MetricLoss ms = Losses.fromConfig(TrainConfig.defaults());
        double lib = Double.MAX_VALUE;
        double straight = Double.MAX_VALUE;
        for (int round = 0; round < 4; round++) {
            lib = Math.min(lib, time(ms::compute, 1000, 10, dim, repsLarge));
            straight = Math.min(straight, time(LossBenchmark::straightLineMs, 1000, 10, dim, repsLarge));
        }
        out.printf(Locale.ROOT, "### MS loss at B=1000: library vs straight-line NDArray code%n%n");
        out.printf(Locale.ROOT, "| MultiSimilarityLoss | straight-line | ratio |%n|---|---|---|%n"
                + "| %.2f ms | %.2f ms | %.2f |%n%n", lib, straight, lib / straight);
    }

    private void trainingStep(int trainIterations, ImageDataset data) {
        out.println("### A whole ConvNet training step at B=80 (Fashion-MNIST 28×28, 32-64-128, 64-d)");
        out.println();
        out.println("| Loss | ms/step | ms/step + EE | EE adds |");
        out.println("|---|---|---|---|");
        for (LossKind name : List.of(LossKind.MS, LossKind.TRIPLET)) {
            double[] perStep = {Double.MAX_VALUE, Double.MAX_VALUE};
            // Plain and EE alternate (plain, EE, plain, EE); each keeps its faster run.
            for (int round = 0; round < 4; round++) {
                int e = round % 2;
                perStep[e] = Math.min(perStep[e], stepMillis(name, e == 1, trainIterations, data));
            }
            out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %+.1f%% |%n", name, perStep[0], perStep[1],
                    100 * (perStep[1] / perStep[0] - 1));
        }
        out.println();
    }

    /** The MS and contrastive losses with a full cross-batch memory of 8,192 and 65,536 embeddings, B = 80 and 256. */
    private void crossBatchMemory(int dim, int repsSmall, int repsLarge) {
        out.println("### Cross-batch memory: one loss step with a full memory (median ms, 512-d)");
        out.println();
        out.println("Forward, backward and remembering the batch; P×K = 5×16 (B=80) and 16×16 (B=256).");
        out.println();
        out.println("| Loss | B | no memory | M=8,192 | M=65,536 |");
        out.println("|---|---|---|---|---|");
        for (boolean ee : new boolean[] {false, true}) {
            for (LossKind name : List.of(LossKind.MS, LossKind.CONTRASTIVE)) {
                for (int b : new int[] {80, 256}) {
                    if (ee && (b != 80 || name != LossKind.MS)) {
                        continue; // EE triples the rows: one configuration shows its cost
                    }
                    int reps = b == 80 ? repsSmall : repsLarge;
                    List<String> cells = new ArrayList<>();
                    for (int m : new int[] {0, 8192, 65536}) {
                        TrainConfig c = TrainConfig.builder().optLoss(name).optEmbeddingExpansion(ee).optBatch(b / 16, 16)
                                .optXbmSize(m).build();
                        cells.add(String.format(Locale.ROOT, "%.1f", time(Losses.fromConfig(c), b, 16, dim,
                                m == 65536 ? Math.max(3, reps / 4) : reps, b / 16)));
                    }
                    out.println("| " + name + (ee ? " + EE" : "") + " | " + b + " | " + String.join(" | ", cells) + " |");
                }
            }
        }
        out.println();
    }

    /** Proxy-Anchor and ArcFace with 100 and 11,318 classes (CUB's and SOP's training splits), B = 80 and 256. */
    private void classVectors(int dim, int reps) {
        out.println("### Losses with a vector per class: forward + backward (median ms, 512-d)");
        out.println();
        out.println("| Loss | B | C=100 | C=11,318 |");
        out.println("|---|---|---|---|");
        for (LossKind name : List.of(LossKind.PROXY_ANCHOR, LossKind.ARCFACE)) {
            for (int b : new int[] {80, 256}) {
                List<String> cells = new ArrayList<>();
                for (int classes : new int[] {100, 11318}) {
                    MetricLoss loss = Losses.fromConfig(TrainConfig.builder().optLoss(name).build());
                    // K = 2: every class of the batch has a positive pair (as SOP's few images per class).
                    cells.add(String.format(Locale.ROOT, "%.1f", time(loss, b, 2, dim, reps, classes)));
                }
                out.println("| " + name + " | " + b + " | " + String.join(" | ", cells) + " |");
            }
        }
        out.println();
    }

    /**
     * Resident memory of the process over a long run with a cross-batch memory, and with Proxy-Anchor: an MLP on the
     * bundled Fashion-MNIST, B = 80, the memory's M = 8,192.
     */
    private void residentMemory(int iterations, ImageDataset data) {
        out.println("### Resident memory over " + iterations + " training iterations (MiB)");
        out.println();
        out.println("MLP 784-256-64 on Fashion-MNIST classes 0-4, B = 80 (5×16), Adam; resident set size of the whole JVM "
                + "process, read from /proc/self/status.");
        out.println();
        int every = Math.max(1, iterations / 10);
        List<String> header = new ArrayList<>();
        for (int it = every; it <= iterations; it += every) {
            header.add(Integer.toString(it));
        }
        out.println("| Loss | " + String.join(" | ", header) + " |");
        out.println("|---|" + "---|".repeat(header.size()));
        for (TrainConfig.Builder c : List.of(TrainConfig.builder().optXbmSize(8192),
                TrainConfig.builder().optLoss(LossKind.PROXY_ANCHOR))) {
            TrainConfig config = c.optArchitecture(io.simforge.models.Architecture.Kind.MLP).optWidths(256)
                    .optIterations(iterations).build();
            List<String> cells = new ArrayList<>();
            try (TrainedModel m = TrainingRun.builder().setConfig(config)
                    .setData(TrainingData.of(data, Preprocessing.fashionMnist(), "Fashion-MNIST"))
                    .optListener(TrainingListener.everyIteration((it, total, l) -> {
                        if (it % every == 0) {
                            cells.add(Long.toString(residentMiB()));
                        }
                    })).build().run()) {
                out.println("| " + config.lossDescription() + " | " + String.join(" | ", cells) + " |");
            }
        }
        out.println();
    }

    /** VmRSS of this process, in MiB (Linux). */
    static long residentMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/status (Linux only): " + e.getMessage(), e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }
}
