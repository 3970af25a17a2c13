package io.simforge.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.io.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A training checkpoint: the network's weights (BatchNorm statistics included), the optimiser's state (Adam's
 * moments, SGD's momentum buffer: {@link ResumableOptimizer#FILE}) and how many iterations produced them, in a
 * folder {@code <run>/checkpoint} with {@code weights.params}, {@code optimizer.state} and {@code state.json}
 * (format version 2; version 1, from before the optimiser state was kept, still resumes, with the moments
 * starting from zero). It is replaced as a whole: written to a fresh folder, then swapped in by renames, so a
 * crash at any moment leaves either the previous or the new checkpoint, never a mix.
 */
public final class Checkpoint {
    public static final String FORMAT = "simforge-checkpoint";
    public static final int VERSION = 2;

    /** What {@code state.json} holds. */
    public record State(String format, int version, int iteration, long seed, String architecture) {}

    private Checkpoint() {}

    public static Path dir(Path run) {
        return run.resolve("checkpoint");
    }

    /** Writes a checkpoint of {@code block} and {@code optimizer} after {@code iteration} iterations. */
    static void save(Path run, Block block, ResumableOptimizer optimizer, int iteration, TrainConfig config)
            throws IOException {
        write(run, "checkpoint", block, optimizer, iteration, config);
    }

    /** Where the weights with the best validation Recall@1 so far are kept. */
    public static Path bestDir(Path run) {
        return run.resolve("best");
    }

    /** Keeps {@code block}'s weights as the best so far, in {@code <run>/best} (same format, same swap). */
    public static void saveBest(Path run, Block block, int iteration, TrainConfig config) throws IOException {
        write(run, "best", block, null, iteration, config);
    }

    /** Loads a checkpoint's weights (e.g. the best ones) into an initialised block of the same architecture. */
    public static void load(Path checkpoint, Block block, NDManager manager) throws IOException {
        loadWeights(checkpoint, block, manager);
    }

    /** Writes {@code <run>/<name>} as a whole: a fresh folder, then renames, so a crash never leaves a mix. */
    private static void write(Path run, String name, Block block, ResumableOptimizer optimizer, int iteration,
            TrainConfig config) throws IOException {
        Path target = run.resolve(name);
        Path fresh = run.resolve(name + ".new");
        Path old = run.resolve(name + ".old");
        deleteTree(fresh);
        Files.createDirectories(fresh);
        AtomicFiles.write(fresh.resolve("weights.params"), out -> {
            DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
            block.saveParameters(data);
            data.flush();
        });
        if (optimizer != null) {
            AtomicFiles.write(fresh.resolve(ResumableOptimizer.FILE), out -> {
                DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
                optimizer.save(data);
                data.flush();
            });
        }
        Json.write(fresh.resolve("state.json"), new State(FORMAT, VERSION, iteration, config.seed(), config.architecture().toString()));
        deleteTree(old);
        if (Files.exists(target)) {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** The checkpoint to resume from: the current one, or the previous one when a swap was interrupted. */
    public static Path latest(Path run) throws IOException {
        for (Path p : new Path[] {dir(run), run.resolve("checkpoint.old")}) {
            if (Files.isRegularFile(p.resolve("state.json")) && Files.isRegularFile(p.resolve("weights.params"))) {
                return p;
            }
        }
        throw new IOException(run + " has no checkpoint to resume from (" + dir(run) + "); it was not trained with "
                + "checkpoints, or no iteration finished");
    }

    public static State readState(Path checkpoint) throws IOException {
        State s = Json.read(checkpoint.resolve("state.json"), State.class);
        if (!FORMAT.equals(s.format()) || s.version() > VERSION) {
            throw new IOException(checkpoint + " is not a simforge checkpoint of version 1 to " + VERSION
                    + "; a newer simforge wrote it, or it is damaged");
        }
        return s;
    }

    /**
     * Restores the optimiser's state saved with the checkpoint; a version-1 checkpoint has none, and the moments
     * start from zero (one log line says so).
     */
    static void loadOptimizer(Path checkpoint, ResumableOptimizer optimizer) throws IOException {
        Path file = checkpoint.resolve(ResumableOptimizer.FILE);
        if (!Files.isRegularFile(file)) {
            System.getLogger(Checkpoint.class.getName()).log(System.Logger.Level.WARNING, checkpoint + " keeps no "
                    + "optimiser state (a version-1 checkpoint): Adam's moments or SGD's momentum restart from zero");
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            optimizer.load(new DataInputStream(new BufferedInputStream(in, 1 << 16)), file.toString());
        } catch (java.io.EOFException e) {
            throw new IOException(file + " is truncated; delete it to resume with fresh optimiser moments", e);
        }
    }

    /** Loads the weights into an initialised block of the same architecture. */
    static void loadWeights(Path checkpoint, Block block, NDManager manager) throws IOException {
        try (InputStream in = Files.newInputStream(checkpoint.resolve("weights.params"))) {
            block.loadParameters(manager, new DataInputStream(new BufferedInputStream(in, 1 << 16)));
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException(checkpoint + " does not fit this network: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
