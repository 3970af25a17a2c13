package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.models.Architecture;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One Embedder shared by 8 threads × 500 requests gives exactly the single-threaded results, with flat memory. */
class EmbedderConcurrencyTest {
    private static final int THREADS = 8;
    private static final int REQUESTS = 500;
    private static final int PER_REQUEST = 3;

    @TempDir
    Path dir;

    @Test
    void eightThreadsTimesFiveHundredRequestsMatchOneThread() throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, new int[] {4, 8});
        Preprocessing pre = Preprocessing.fashionMnist();
        Path model = dir.resolve("model.onnx");
        try (Model m = UntrainedNetwork.create(arch, 5)) {
            OnnxExporter.builder().setBlock(m.getBlock()).setMetadata(ModelExport.metadataFor(arch, pre, "{}")).build()
                    .export(model);
        }
        ImageDataset images = FashionMnist.bundledTestSplit().firstPerClass(20); // 200 distinct images
        float[] inputs = images.inputs(pre);
        int item = pre.imageSize();
        int distinct = images.size() / PER_REQUEST;
        try (Embedder embedder = Embedder.builder().setModelPath(model).optBatchSize(PER_REQUEST).build()) {
            float[][] expected = new float[distinct][];
            for (int r = 0; r < distinct; r++) {
                expected[r] = embedder.embed(request(inputs, r, item));
            }
            long rssBefore = -1;
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                AtomicInteger mismatches = new AtomicInteger();
                for (int round = 0; round < 2; round++) { // the first round warms up, the second is measured
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        int thread = t;
                        futures.add(pool.submit(() -> {
                            for (int i = 0; i < REQUESTS; i++) {
                                int r = (thread * 37 + i * 11) % distinct;
                                float[] got = embedder.embed(request(inputs, r, item));
                                if (!java.util.Arrays.equals(expected[r], got)) {
                                    mismatches.incrementAndGet();
                                }
                            }
                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get(); // rethrows any error from a worker
                    }
                    if (round == 0) {
                        System.gc();
                        rssBefore = rssKb();
                    }
                }
                assertEquals(0, mismatches.get(), "requests whose result differed from the single-threaded one");
            } finally {
                pool.shutdown();
            }
            System.gc();
            long rssAfter = rssKb();
            if (rssBefore > 0 && rssAfter > 0) {
                System.out.printf("Resident memory around 4000 concurrent requests: %d -> %d MB%n", rssBefore / 1024,
                        rssAfter / 1024);
                assertTrue(rssAfter - rssBefore < 64 * 1024, "resident memory grew from " + rssBefore / 1024 + " to "
                        + rssAfter / 1024 + " MB over 4000 requests");
            }
            assertArrayEquals(expected[0], embedder.embed(request(inputs, 0, item)));
        }
    }

    private static float[] request(float[] inputs, int r, int item) {
        return java.util.Arrays.copyOfRange(inputs, r * PER_REQUEST * item, (r + 1) * PER_REQUEST * item);
    }

    /** This process's resident memory in kB (Linux), or -1 where /proc is not available. */
    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
