package io.simforge.models;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.MalformedModelException;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.model.Preprocessing;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trained model on disk: a folder with {@code simforge-model.json} ({@link #FORMAT}: architecture,
 * preprocessing) and {@code weights.params} (DJL's parameter serialisation). Both are written atomically,
 * the description last, so a folder with a description always has complete weights.
 */
public final class SavedModel {
    /**
     * Version 1 kept its version as {@code formatVersion}; version 2 has the common header and the same content.
     */
    public static final int FORMAT_VERSION = 2;
    public static final Format FORMAT = Format.of("simforge-saved-model", FORMAT_VERSION)
            .withLegacyVersionKey("formatVersion");
    public static final String DESCRIPTION_FILE = "simforge-model.json";
    public static final String WEIGHTS_FILE = "weights.params";

    private SavedModel() {}

    /**
     * What {@code simforge-model.json} holds; {@code version} is the version it was read from ({@link #save} writes
     * the current one).
     */
    public record Description(int version, Architecture architecture, Preprocessing preprocessing, String training) {}

    public static void save(Path dir, Block block, Description description) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(WEIGHTS_FILE), out -> {
            DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out));
            block.saveParameters(data);
            data.flush();
        });
        FORMAT.write(dir.resolve(DESCRIPTION_FILE), description);
    }

    /**
     * Reads a saved model's description (versions 1 and 2).
     *
     * @throws FormatException when it is of another format, newer than this simforge, or names no architecture
     */
    public static Description readDescription(Path dir) throws IOException {
        Path file = dir.resolve(DESCRIPTION_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + " is not a saved simforge model: it has no " + DESCRIPTION_FILE
                    + ". Pass the model folder of a training run (e.g. runs/<name>/model).");
        }
        Description d = FORMAT.read(file, Description.class);
        if (d.architecture() == null) {
            throw FormatException.damaged(file.toString(), "it names no architecture");
        }
        return d;
    }

    /** Loads a saved model into a new DJL {@link Model} (caller closes it). */
    public static Model load(Path dir) throws IOException {
        Description d = readDescription(dir);
        Model model = Model.newInstance("simforge");
        try {
            Block block = d.architecture().build();
            NDManager manager = model.getNDManager();
            block.initialize(manager, DataType.FLOAT32, d.architecture().batchInputShape(1));
            try (InputStream in = Files.newInputStream(dir.resolve(WEIGHTS_FILE))) {
                block.loadParameters(manager, new DataInputStream(new BufferedInputStream(in)));
            } catch (MalformedModelException | IOException | RuntimeException e) {
                throw new IOException("cannot read the weights in " + dir.resolve(WEIGHTS_FILE)
                        + " (" + e.getMessage() + "); the file is truncated or belongs to another architecture.", e);
            }
            model.setBlock(block);
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
