package io.simforge.train.bench;

import io.simforge.core.data.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.train.EmbeddingTrainer;
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
     * @param architecture {@code convnet} (32-64-128, 64-d) or {@code resnet18} (64 wide, 512-d)
     */
    public double run(String architecture, int size, boolean ee, int warmup, int timed) {
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
        TrainConfig c = new TrainConfig();
        c.architecture = architecture;
        c.widths = architecture.equals("convnet") ? new int[] {32, 64, 128} : new int[] {64};
        c.embeddingSize = architecture.equals("convnet") ? 64 : 512;
        c.iterations = warmup + timed;
        c.batchSize = 80;
        c.samplesPerClass = 16;
        c.ee = ee;
        long[] marks = new long[2];
        try (TrainedModel m = EmbeddingTrainer.train(c, data, pre, (it, total, loss) -> {
            if (it == warmup) {
                marks[0] = System.nanoTime();
            } else if (it == warmup + timed) {
                marks[1] = System.nanoTime();
            }
        })) {
            double seconds = (marks[1] - marks[0]) / 1e9;
            double rate = timed * (double) c.batchSize / seconds;
            out.printf(Locale.ROOT, "simforge (DJL %s, PyTorch engine): %s %dx%d, MS%s, batch 80 (5x16): %.1f images/s "
                    + "(%d timed steps after %d warm-up, %.0f ms/step)%n", ai.djl.engine.Engine.getDjlVersion(),
                    architecture, size, size, ee ? " + EE" : "", rate, timed, warmup, seconds * 1000 / timed);
            return rate;
        }
    }
}
