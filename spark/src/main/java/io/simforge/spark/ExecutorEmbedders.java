package io.simforge.spark;

import io.simforge.core.device.DeviceSpec;
import io.simforge.infer.Embedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The embedders of one executor JVM: one per model (by SHA-256), device, thread count and batch size, opened by the
 * first task that needs it and shared by every later task and partition on that executor ({@link Embedder} is
 * thread-safe, so the executor's concurrent tasks share one ONNX Runtime session). They stay open for the life of
 * the JVM, which is how long an executor keeps its broadcast model too.
 */
final class ExecutorEmbedders {
    private static final Map<Key, Embedder> OPEN = new ConcurrentHashMap<>();
    private static final AtomicInteger OPENED = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.values().forEach(Embedder::close),
                "simforge-embedders-close"));
    }

    private ExecutorEmbedders() {}

    private record Key(String sha256, DeviceSpec device, int threads, int batchSize) {}

    /** This JVM's embedder for the model on {@code device}, opened on first use. */
    static Embedder get(ModelFiles model, DeviceSpec device, int threads, int batchSize) {
        return OPEN.computeIfAbsent(new Key(model.sha256(), device, threads, batchSize), k -> {
            Path onnx = model.materialise(modelDir(model.sha256()));
            OPENED.incrementAndGet();
            return Embedder.builder().setModelPath(onnx).optDevice(device).optThreads(threads).optBatchSize(batchSize)
                    .build();
        });
    }

    /**
     * The device a task embeds on: with {@code auto}, the first GPU Spark assigned to the
     * task (resource {@code gpu}, from a resource profile or {@code spark.task.resource.gpu.amount}), else the CPU.
     */
    static DeviceSpec deviceFor(String device, TaskContext task) {
        if (!EmbeddingTransformer.AUTO_DEVICE.equals(device)) {
            return DeviceSpec.parse(device);
        }
        if (task != null) {
            ResourceInformation gpu = task.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                return DeviceSpec.cuda(Integer.parseInt(gpu.addresses()[0].trim()));
            }
        }
        return DeviceSpec.cpu();
    }

    /** How many embedders this JVM has opened (tests check that tasks and partitions share one). */
    static int opened() {
        return OPENED.get();
    }

    private static Path modelDir(String sha256) {
        Path root;
        try {
            root = Path.of(SparkFiles.getRootDirectory());
        } catch (RuntimeException e) { // no SparkEnv: a plain JVM
            root = Path.of(System.getProperty("java.io.tmpdir"));
        }
        if (!Files.isDirectory(root)) {
            root = Path.of(System.getProperty("java.io.tmpdir"));
        }
        return root.resolve("simforge-model-" + sha256);
    }
}
