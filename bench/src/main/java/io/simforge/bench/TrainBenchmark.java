package io.simforge.bench;

import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingListener;
import io.simforge.train.TrainingRun;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput (images/s) of a whole step — forward, loss, backward, optimiser — on synthetic
 * images, after a warm-up. The peer script {@code bench/pytorch/train_throughput.py} runs the same networks,
 * loss and batch layout with PyTorch on the same machine.
 */
public final class TrainBenchmark {
    private final PrintStream out;

    public TrainBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * One line naming what the steps run on: DJL and libtorch versions, libtorch's intra- and inter-op threads, the
     * OpenMP/MKL environment, the JVM. The peer script prints the same for PyTorch.
     */
    public static String runtime() {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        StringBuilder env = new StringBuilder();
        for (String k : new String[] {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT"}) {
            if (System.getenv(k) != null) {
                env.append(", ").append(k).append('=').append(System.getenv(k));
            }
        }
        return String.format(Locale.ROOT, "Runtime: DJL %s, libtorch %s, intra-op threads %d, inter-op threads %d%s; "
                + "Java %s, %d cores", ai.djl.engine.Engine.getDjlVersion(), engine.getVersion(),
                ai.djl.pytorch.jni.JniUtils.getNumThreads(), ai.djl.pytorch.jni.JniUtils.getNumInteropThreads(), env,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param architecture {@code convnet} (32-64-128, 64-d) or {@code resnet18} (64 wide, 512-d)
     * @param profile where libtorch's profiler writes a Chrome trace of the timed steps (every op, forward and
     *     backward; {@code bench/pytorch/profile_ops.py} sums it per op), or null for no profiling; a profiled
     *     run's images/s are not comparable
     */
    public double run(String architecture, int size, boolean ee, int warmup, int timed, java.nio.file.Path profile) {
        int channels = 3;
        int classes = 100;
        int perClass = 16;
        Random r = new Random(1);
        byte[] pixels = new byte[classes * perClass * channels * size * size];
        r.nextBytes(pixels);
        int[] labels = new int[classes * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / perClass;
        }
        ImageDataset data = new ImageDataset(pixels, labels, channels, size, size);
        Preprocessing pre = new Preprocessing(channels, size, size, 1f / 255f, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f});
        boolean convnet = architecture.equals("convnet");
        TrainConfig c = TrainConfig.builder().optArchitecture(Architecture.Kind.parse(architecture))
                .optWidths(convnet ? new int[] {32, 64, 128} : new int[] {64}).optEmbeddingSize(convnet ? 64 : 512)
                .optIterations(warmup + timed).optBatch(5, 16).optEmbeddingExpansion(ee).build();
        long[] marks = new long[2];
        long[][] faults = new long[2][];
        try (TrainedModel m = TrainingRun.builder().setConfig(c).setData(TrainingData.of(data, pre, "synthetic images"))
                .optListener(TrainingListener.everyIteration((it, total, loss) -> {
                    if (it == warmup) {
                        if (profile != null) {
                            ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
                        }
                        marks[0] = System.nanoTime();
                        faults[0] = processStat();
                    } else if (it == warmup + timed) {
                        marks[1] = System.nanoTime();
                        faults[1] = processStat();
                        if (profile != null) {
                            ai.djl.pytorch.jni.JniUtils.stopProfile(profile.toString());
                        }
                    }
                })).build().run()) {
            double seconds = (marks[1] - marks[0]) / 1e9;
            double rate = timed * (double) c.batchSize() / seconds;
            out.printf(Locale.ROOT, "simforge (DJL %s, PyTorch engine): %s %dx%d, MS%s, batch 80 (5x16): %.1f images/s "
                    + "(%d timed steps after %d warm-up, %.0f ms/step)%s%n", ai.djl.engine.Engine.getDjlVersion(),
                    architecture, size, size, ee ? " + EE" : "", rate, timed, warmup, seconds * 1000 / timed,
                    faults[0] == null ? "" : String.format(Locale.ROOT, "; per step: %.0f minor page faults, %.0f ms "
                            + "system CPU", (faults[1][0] - faults[0][0]) / (double) timed,
                            (faults[1][1] - faults[0][1]) * 1000.0 / CLOCK_TICKS / timed));
            return rate;
        }
    }

    /** Linux's clock ticks per second, the unit of the CPU times in /proc/self/stat (100 on every common kernel). */
    private static final double CLOCK_TICKS = 100;

    /**
     * Minor page faults and system CPU time (ticks) of this process so far, from /proc/self/stat; null elsewhere.
     * A step that keeps returning its activations' memory to the kernel shows up here as faults and system time.
     */
    static long[] processStat() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[7]), Long.parseLong(f[12])}; // fields 10 (minflt) and 15 (stime)
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
