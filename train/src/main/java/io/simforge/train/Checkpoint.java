package io.simforge.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.io.AtomicFiles;
import io.simforge.train.loss.LossState;
import io.simforge.train.loss.MetricLoss;
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
 * ({@link #FORMAT}). A loss that keeps arrays of its own adds {@code loss.state} ({@link LossState}: proxies, class
 * weights, the cross-batch memory) and, when some of them are trained, {@code loss-optimizer.state} (their
 * optimiser's state, in the format of {@code optimizer.state}); checkpoints of other losses have neither, and older
 * checkpoints never did. It is replaced as a whole: written to a fresh folder, then swapped in by renames, so a
 * crash at any moment leaves either the previous or the new checkpoint, never a mix.
 */
public final class Checkpoint {
    /**
     * Version 1: weights and {@code state.json}. Version 2 added {@code optimizer.state}. Version 3: the same files,
     * {@code optimizer.state} in the common binary layout with a checksum (its own version 2), so that an older
     * simforge refuses the checkpoint as newer instead of failing on that file. All three resume; version 1 with
     * the optimiser's moments starting from zero.
     */
    public static final Format FORMAT = Format.of("simforge-checkpoint", 3);

    /** The loss's arrays in a checkpoint folder. */
    static final String LOSS_STATE = "loss.state";
    /** The optimiser state of the loss's trained arrays in a checkpoint folder. */
    static final String LOSS_OPTIMIZER = "loss-optimizer.state";

    /** What {@code state.json} holds; {@code version} is the checkpoint's. */
    public record State(int version, int iteration, long seed, String architecture) {}

    private Checkpoint() {}

    public static Path dir(Path run) {
        return run.resolve("checkpoint");
    }

    /**
     * Writes a checkpoint of {@code block} and {@code optimizer}, and of the loss's own state and optimiser (null when
     * the loss trains no arrays), after {@code iteration} iterations.
     */
    static void save(Path run, Block block, ResumableOptimizer optimizer, MetricLoss loss,
            ResumableOptimizer lossOptimizer, int iteration, TrainConfig config) throws IOException {
        write(run, "checkpoint", block, optimizer, loss, lossOptimizer, iteration, config);
    }

    /** Where the weights with the best validation Recall@1 so far are kept. */
    public static Path bestDir(Path run) {
        return run.resolve("best");
    }

    /** Keeps {@code block}'s weights as the best so far, in {@code <run>/best} (same format, same swap). */
    public static void saveBest(Path run, Block block, int iteration, TrainConfig config) throws IOException {
        write(run, "best", block, null, null, null, iteration, config);
    }

    /** Loads a checkpoint's weights (e.g. the best ones) into an initialised block of the same architecture. */
    public static void load(Path checkpoint, Block block, NDManager manager) throws IOException {
        loadWeights(checkpoint, block, manager);
    }

    /** Writes {@code <run>/<name>} as a whole: a fresh folder, then renames, so a crash never leaves a mix. */
    private static void write(Path run, String name, Block block, ResumableOptimizer optimizer, MetricLoss loss,
            ResumableOptimizer lossOptimizer, int iteration, TrainConfig config) throws IOException {
        Path target = run.resolve(name);
        Path fresh = run.resolve(name + ".new");
        Path old = run.resolve(name + ".old");
        deleteTree(fresh);
        try {
            Files.createDirectories(fresh);
            AtomicFiles.write(fresh.resolve("weights.params"), out -> {
                DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
                block.saveParameters(data);
                data.flush();
            });
            if (optimizer != null) {
                optimizer.save(fresh.resolve(ResumableOptimizer.FILE));
            }
            LossState lossState = loss == null ? new LossState() : loss.saveState();
            if (!lossState.isEmpty()) {
                lossState.write(fresh.resolve(LOSS_STATE));
            }
            if (lossOptimizer != null) {
                lossOptimizer.save(fresh.resolve(LOSS_OPTIMIZER));
            }
            FORMAT.write(fresh.resolve("state.json"), new State(FORMAT.version(), iteration, config.seed(),
                    config.architecture().toString()));
        } catch (IOException | RuntimeException e) {
            // A full disk or another failure: leave the previous checkpoint alone and no half-written one beside it.
            try {
                deleteTree(fresh);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
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

    /** @throws FormatException when {@code state.json} is of another format, or newer */
    public static State readState(Path checkpoint) throws IOException {
        return FORMAT.read(checkpoint.resolve("state.json"), State.class);
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
        try {
            optimizer.load(file);
        } catch (FormatException e) {
            if (e.problem() != FormatException.Problem.DAMAGED) {
                throw e;
            }
            throw new IOException(e.getMessage() + " Or delete it to resume with fresh optimiser moments.", e);
        }
    }

    /**
     * Restores the loss's own arrays and their optimiser's state (null when the loss trains none) from a checkpoint.
     *
     * @throws IOException when the loss keeps state and the checkpoint has none, or state that does not fit it
     */
    static void loadLossState(Path checkpoint, MetricLoss loss, ResumableOptimizer lossOptimizer) throws IOException {
        Path file = checkpoint.resolve(LOSS_STATE);
        boolean expected = !loss.saveState().isEmpty();
        if (!expected) {
            if (Files.exists(file)) {
                System.getLogger(Checkpoint.class.getName()).log(System.Logger.Level.WARNING, checkpoint + " keeps "
                        + "the state of another loss (" + LOSS_STATE + "); this run's " + loss.getName() + " keeps "
                        + "none, so it is not used");
            }
            return;
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(checkpoint + " keeps no " + LOSS_STATE + ", but this run's " + loss.getName()
                    + " resumes from its own (proxies, class weights or cross-batch memory): the checkpoint was written "
                    + "with another loss; resume with the settings the run started with (its config.json)");
        }
        try {
            loss.loadState(LossState.read(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not fit this run's " + loss.getName() + ": " + e.getMessage()
                    + "; resume with the settings the run started with (its config.json)", e);
        }
        if (lossOptimizer != null) {
            Path moments = checkpoint.resolve(LOSS_OPTIMIZER);
            if (!Files.isRegularFile(moments)) {
                throw new IOException(checkpoint + " keeps no " + LOSS_OPTIMIZER + " for the trained arrays of "
                        + loss.getName() + ": the checkpoint is incomplete; restore it from a copy");
            }
            lossOptimizer.load(moments);
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
