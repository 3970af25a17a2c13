package io.simforge.spark;

import io.simforge.core.error.SimforgeIOException;
import io.simforge.core.model.ModelMetadata;
import io.simforge.infer.Embedder;
import io.simforge.infer.ModelCheck;
import io.simforge.infer.ModelSettingsFiles;
import io.simforge.infer.PartialSettings;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * An exported model as bytes, the way it travels to executors (in one broadcast): the {@code .onnx} file and the
 * external data files it points to, with the SHA-256 of the {@code .onnx} file naming it.
 *
 * <p>{@link #load} runs on the driver: it copies the model from any Hadoop file system (a local path, HDFS, S3…) to a
 * local folder with the files beside it (external weights; for a model from elsewhere, its settings files), checks
 * it with {@code simforge verify}'s file checks and opens it once with ONNX Runtime, so a model that cannot serve
 * fails the job before any task starts, with the lines {@code simforge verify} prints. Executors write the bytes to a local folder
 * once per JVM ({@link #materialise}). A file must stay under 2 GB (one Java array); bigger models are out of reach.
 */
final class ModelFiles implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String sha256;
    private final LinkedHashMap<String, byte[]> files;
    private final ModelMetadata.InputKind inputKind;
    private final int itemSize;
    private final int embeddingSize;

    private ModelFiles(String name, String sha256, LinkedHashMap<String, byte[]> files, ModelMetadata metadata) {
        this.name = name;
        this.sha256 = sha256;
        this.files = files;
        this.inputKind = metadata.inputKind();
        this.itemSize = metadata.itemSize();
        this.embeddingSize = metadata.embeddingSize();
    }

    /**
     * Reads, checks and opens the model at {@code modelPath} (any path Hadoop reads).
     *
     * @throws SimforgeSparkException naming each failed check as {@code simforge verify} prints it
     */
    static ModelFiles load(String modelPath, Configuration hadoop) {
        org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(modelPath);
        Path local = null;
        try {
            local = Files.createTempDirectory("simforge-model-");
            FileSystem fs = source.getFileSystem(hadoop);
            if (!fs.isFile(source)) {
                throw new SimforgeSparkException("model file not found: " + modelPath + ". Pass the .onnx file written "
                        + "by `simforge export` (a path every executor's driver can read: local, hdfs://, s3a://…).");
            }
            Path onnx = local.resolve(source.getName());
            fs.copyToLocalFile(false, source, new org.apache.hadoop.fs.Path(onnx.toUri()), true);
            LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
            files.put(source.getName(), Files.readAllBytes(onnx));
            ModelCheck.FileChecks found = ModelCheck.fileChecks(onnx);
            if (found.complete()) {
                // External weights and the settings files of a model from elsewhere live beside the model: fetch
                // them too; the checks below run again with them in place.
                List<String> beside = new ArrayList<>(found.externalDataFiles());
                beside.add(ModelSettingsFiles.sidecarOf(onnx).getFileName().toString());
                beside.add(ModelSettingsFiles.HUGGING_FACE_FILE);
                for (String data : beside) {
                    org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(source.getParent(), data);
                    Path target = local.resolve(data).normalize();
                    if (!target.startsWith(local) || !fs.isFile(remote)) {
                        continue; // the checks below report a missing weights file; settings files are optional
                    }
                    Files.createDirectories(target.getParent());
                    fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(target.toUri()), true);
                    files.put(data, Files.readAllBytes(target));
                }
            }
            ModelCheck.Opened opened = ModelCheck.open(onnx, PartialSettings.NONE, 1);
            try (Embedder probe = opened.embedder()) {
                if (!opened.passed()) {
                    throw refused(modelPath, onnx, opened.failures());
                }
                return new ModelFiles(source.getName(), sha256(files.get(source.getName())), files, probe.metadata());
            }
        } catch (IOException e) {
            throw new SimforgeSparkException("cannot read the model " + modelPath + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(local);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary copy left behind costs disk space only
        }
    }

    /** The refusal, naming the model by the path the user gave, not by its local copy. */
    private static SimforgeSparkException refused(String modelPath, Path localCopy, String failures) {
        return new SimforgeSparkException(modelPath + " cannot be used to embed; `simforge verify " + modelPath
                + "` says:\n" + failures.replace(localCopy.toString(), modelPath));
    }

    /** The SHA-256 of the {@code .onnx} file: the same model gives the same executor-side embedder. */
    String sha256() {
        return sha256;
    }

    ModelMetadata.InputKind inputKind() {
        return inputKind;
    }

    /** Values per model input item (pixels × channels for images, the vector length otherwise). */
    int itemSize() {
        return itemSize;
    }

    int embeddingSize() {
        return embeddingSize;
    }

    /** Writes the files into {@code dir} (created) and returns the {@code .onnx} file's path there. */
    Path materialise(Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path target = dir.resolve(f.getKey());
                Files.createDirectories(target.getParent());
                io.simforge.core.io.AtomicFiles.write(target, out -> out.write(f.getValue()));
            }
            return dir.resolve(name);
        } catch (IOException e) {
            throw new SimforgeIOException("cannot write the model to " + dir + " on this executor: " + e.getMessage(), e);
        }
    }

    /** Copies the model files into the Hadoop folder {@code dir} (saving a pipeline stage); returns the model's path. */
    String copyTo(String dir, Configuration hadoop) throws IOException {
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(dir);
        FileSystem fs = folder.getFileSystem(hadoop);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            try (var out = fs.create(new org.apache.hadoop.fs.Path(folder, f.getKey()), true)) {
                out.write(f.getValue());
            }
        }
        return new org.apache.hadoop.fs.Path(folder, name).toString();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
