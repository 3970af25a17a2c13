package io.simforge.cli;

import io.simforge.core.device.DeviceSpec;
import io.simforge.infer.Embedder;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How ONNX Runtime runs a model: one spelling for {@code embed}, {@code eval} and {@code search}. */
final class RuntimeOptions {
    @Option(names = "--device", defaultValue = "cpu", converter = Devices.class, description = "Where ONNX Runtime runs: "
            + DeviceSpec.SPELLINGS + " (one GPU; falls back to the CPU with one warning). Default cpu.")
    DeviceSpec device;

    @Option(converter = Ranges.NonNegative.class, names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (default 0: all cores).")
    int threads;

    @Option(converter = Ranges.Positive.class, names = "--batch-size", defaultValue = "64", description = "Items per ONNX Runtime call (default 64).")
    int batchSize;

    /**
     * An embedder on {@code model} with these runtime settings and the model settings given as flags; says which
     * model settings it runs with when they are not all the model's own.
     */
    Embedder embedder(Path model, ModelSettingsOptions settings) {
        Devices.note(device);
        Embedder e = Embedder.builder().setModelPath(model).optBatchSize(batchSize).optThreads(threads)
                .optDevice(device).optOverrides(settings.overrides()).build();
        ModelSettingsOptions.print(e, System.out);
        return e;
    }
}
