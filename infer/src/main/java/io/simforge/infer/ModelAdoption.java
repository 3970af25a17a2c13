package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxModelInfo;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.WeightChecksum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code simforge adopt}: writes a copy of a foreign ONNX embedding model that carries simforge's metadata — its
 * {@link ModelSettings} (from flags, a settings file beside it and the graph), its embedding size and a checksum of
 * its weights — so that every later command runs it without flags and {@code simforge verify} checks it.
 *
 * <p>The copy is the model's bytes unchanged with the metadata appended ({@link OnnxWriter#appendMetadata}), so
 * nothing the model holds is lost; external data files are copied beside the copy when it goes to another folder.
 */
public final class ModelAdoption {
    /** What the copy's metadata says it was written by. */
    public static final String PRODUCER = "simforge 0.1.0 adopt";

    private ModelAdoption() {}

    /** What was written. */
    public record Result(Path model, ModelSettings settings, String settingsSource, String weightsSha256,
            List<Path> copiedDataFiles, Map<String, String> metadata) {}

    /**
     * Adopts {@code model} into {@code target}.
     *
     * @param overrides settings given as flags (they win over the files beside the model)
     * @throws SimforgeException when the model already carries simforge metadata, its settings are incomplete or do
     *     not fit its graph, or a file cannot be read or written (nothing is left half-written)
     */
    public static Result adopt(Path model, Path target, PartialSettings overrides) {
        try {
            return write(model, target, overrides);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
    }

    private static Result write(Path model, Path target, PartialSettings overrides) throws IOException {
        if (model.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
            throw new InvalidInputException("adopt writes a copy: give an output other than " + model);
        }
        ModelProto proto = OnnxReader.read(model);
        OnnxModelInfo info = OnnxModelInfo.of(proto);
        if (ModelMetadata.isSimforgeModel(info.metadata())) {
            throw new InvalidInputException(model + " already carries simforge metadata; adopt the original model to "
                    + "change its settings, or run it as it is");
        }
        ModelSettings settings;
        String source;
        try (Embedder embedder = Embedder.builder().setModelPath(model).optOverrides(overrides).optBatchSize(1)
                .build()) {
            settings = embedder.settings();
            source = embedder.settingsSource();
        }
        Path dir = model.toAbsolutePath().getParent();
        String sha = WeightChecksum.of(proto.graph().initializers(), dir);
        Map<String, String> metadata = new LinkedHashMap<>(settings.toMetadata(PRODUCER + " (from "
                + (info.producerName() + " " + info.producerVersion()).trim() + ")", false));
        metadata.put(ModelMetadata.KEY_WEIGHTS_SHA256, sha);
        List<Path> copied = new ArrayList<>();
        Path targetDir = target.toAbsolutePath().getParent();
        Files.createDirectories(targetDir);
        if (!targetDir.equals(dir)) {
            for (String location : info.externalDataFiles()) {
                Path from = dir.resolve(location).normalize();
                Path to = targetDir.resolve(location).normalize();
                if (!from.startsWith(dir) || !to.startsWith(targetDir)) {
                    throw new InvalidInputException(model + " keeps weights outside its folder (" + location
                            + "); refusing to copy them");
                }
                if (Files.exists(to) && Files.mismatch(from, to) != -1) {
                    throw new InvalidInputException(to + " exists and is another file; adopt into an empty folder, or "
                            + "beside the original model");
                }
                if (!Files.exists(to)) {
                    io.simforge.core.io.AtomicFiles.write(to, out -> Files.copy(from, out));
                    copied.add(to);
                }
            }
        }
        OnnxWriter.appendMetadata(model, target, metadata);
        return new Result(target, settings, source, sha, copied, metadata);
    }
}
