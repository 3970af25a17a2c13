package io.simforge.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatInput;
import io.simforge.core.format.FormatOutput;
import io.simforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adam, AdamW and SGD with momentum, computed exactly as DJL 0.35.1's own optimisers compute them (the same fused
 * native updates, the same bias correction), but keeping their moment buffers where a checkpoint can save them:
 * DJL's optimisers hold that state in private fields, so a run resumed with them restarts Adam's moments from
 * zero. With this one a resumed run continues as if it had never stopped.
 *
 * <p>The state file ({@code optimizer.state} in a checkpoint, {@link #FORMAT}) holds the kind, then per parameter its
 * name in the block and its buffers (length and big-endian floats).
 */
final class ResumableOptimizer extends Optimizer {
    static final String FILE = "optimizer.state";
    /**
     * Version 1 started with {@code writeUTF("SFOPT")} and an int version, its strings as {@code writeUTF}, and had
     * no checksum; version 2 is the same content in the common binary layout (header, UTF-8 strings, CRC32 footer).
     * Both load.
     */
    static final Format FORMAT = Format.of("simforge-optimizer-state", 2);
    /** How a version-1 file starts: {@code writeUTF("SFOPT")}. */
    private static final byte[] VERSION_1_MAGIC = {0, 5, 'S', 'F', 'O', 'P', 'T'};
    // DJL's Adam defaults, which simforge has always used.
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    /** The update rule. */
    enum Kind { ADAM, ADAMW, SGD }

    private final Kind kind;
    private final ParameterTracker learningRate;
    private final float momentum;
    /** Parameter id → device → buffers (Adam: first and second moments; SGD: the momentum buffer). */
    private final Map<String, Map<Device, NDArray[]>> state = new ConcurrentHashMap<>();
    /** Buffers read from a checkpoint, put on a device at their parameter's first update. */
    private final Map<String, float[][]> restored = new ConcurrentHashMap<>();
    /**
     * Updates per parameter and device. DJL's own count is per call, and its parameter server calls the optimiser
     * once per device replica, so with two GPUs its step count (bias correction, learning-rate schedule) would run
     * twice as fast; counting per device keeps it equal to the iteration.
     */
    private final Map<String, Map<Device, Integer>> updates = new ConcurrentHashMap<>();
    private final int firstUpdate;
    /**
     * Parameter id → its name in the block ({@code 01Conv2d_weight}…). DJL's ids are random per run, so the saved
     * state is keyed by name and matched to the resumed run's parameters through this map.
     */
    private final Map<String, String> names;
    /** Where the buffers live; null: with their parameter. */
    private final NDManager stateManager;

    private ResumableOptimizer(Builder b) {
        super(b);
        this.kind = b.kind;
        this.learningRate = b.learningRate;
        this.momentum = b.momentum;
        this.firstUpdate = b.firstUpdate;
        this.names = b.names;
        this.stateManager = b.stateManager;
    }

    /**
     * @param done updates already made (a resumed run's iteration), so bias correction and the schedule go on
     *     from there
     */
    static Builder builder(Kind kind, ParameterTracker learningRate, int done) {
        return new Builder(kind, learningRate, done);
    }

    /** The names that key the saved state: the block's parameter names, for its parameters' ids. */
    static Map<String, String> names(ai.djl.nn.Block block) {
        Map<String, String> names = new java.util.HashMap<>();
        block.getParameters().forEach(pair -> names.put(pair.getValue().getId(), pair.getKey()));
        return names;
    }

    private String name(String id) {
        return names.getOrDefault(id, id);
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = updates.computeIfAbsent(parameterId, k -> new ConcurrentHashMap<>())
                .merge(weight.getDevice(), firstUpdate + 1, (old, one) -> old + 1);
        float rate = learningRate.getNewValue(parameterId, t);
        float weightDecay = getWeightDecay();
        NDArrayEx ex = weight.getNDArrayInternal();
        if (kind == Kind.SGD) {
            NDList inputs = momentum != 0 ? new NDList(weight, grad, buffers(parameterId, weight, 1)[0])
                    : new NDList(weight, grad);
            ex.sgdUpdate(inputs, new NDList(weight), rate, weightDecay, rescaleGrad, clipGrad, momentum, true);
            return;
        }
        double coef1 = 1.0 - Math.pow(BETA1, t);
        double coef2 = 1.0 - Math.pow(BETA2, t);
        float corrected = (float) (rate * Math.sqrt(coef2) / coef1);
        if (!Float.isFinite(corrected) || !Float.isFinite(weightDecay)) {
            throw new IllegalStateException("learning rate " + corrected + " or weight decay " + weightDecay
                    + " is not finite at update " + t);
        }
        NDArray[] m = buffers(parameterId, weight, 2);
        ex.adamUpdate(new NDList(weight, grad, m[0], m[1]), new NDList(weight), rate, corrected, weightDecay, rescaleGrad,
                clipGrad, BETA1, BETA2, EPSILON, true, kind == Kind.ADAMW);
    }

    private NDArray[] buffers(String id, NDArray weight, int count) {
        return state.computeIfAbsent(id, k -> new ConcurrentHashMap<>()).computeIfAbsent(weight.getDevice(), d -> {
            NDArray[] b = new NDArray[count];
            float[][] saved = restored.get(name(id));
            NDManager home = stateManager != null ? stateManager : weight.getManager();
            for (int i = 0; i < count; i++) {
                if (saved != null) {
                    if (saved.length != count || saved[i].length != weight.getShape().size()) {
                        throw new IllegalStateException("the saved optimiser state of " + id + " does not fit its "
                                + "parameter " + weight.getShape() + "; the checkpoint belongs to another network");
                    }
                    b[i] = home.create(saved[i], weight.getShape());
                } else {
                    b[i] = home.zeros(weight.getShape(), weight.getDataType());
                }
            }
            return b;
        });
    }

    /** Writes the buffers (one device's: every replica receives the same updates) to {@code file}, atomically. */
    void save(Path file) throws IOException {
        Map<String, float[][]> all = new TreeMap<>(restored); // parameters not updated since the restore keep theirs
        for (Map.Entry<String, Map<Device, NDArray[]>> e : state.entrySet()) {
            NDArray[] b = e.getValue().values().iterator().next();
            float[][] values = new float[b.length][];
            for (int i = 0; i < b.length; i++) {
                values[i] = b[i].toFloatArray();
            }
            all.put(name(e.getKey()), values);
        }
        AtomicFiles.write(file, raw -> {
            FormatOutput out = FormatOutput.start(raw, FORMAT);
            out.writeString(kind.name());
            out.writeInt(all.size());
            for (Map.Entry<String, float[][]> e : all.entrySet()) {
                out.writeString(e.getKey());
                out.writeInt(e.getValue().length);
                for (float[] v : e.getValue()) {
                    out.writeInt(v.length);
                    for (float f : v) {
                        out.writeFloat(f);
                    }
                }
            }
            out.finish();
        });
    }

    /**
     * Reads buffers saved by {@link #save} (or by version 1), before the first update.
     *
     * @throws IOException when the file is damaged, newer than this simforge, or from another update rule
     */
    void load(Path file) throws IOException {
        Map<String, float[][]> read = new HashMap<>();
        String saved;
        try (FormatInput in = FormatInput.open(file)) {
            boolean version1 = in.startsWith(VERSION_1_MAGIC);
            if (version1) {
                in.readUTF();
                int version = in.readInt();
                if (version != 1) {
                    throw in.damaged("its version-1 header says version " + version);
                }
            } else {
                in.checkHeader(FORMAT, 2);
            }
            saved = version1 ? in.readUTF() : in.readString();
            int nameBytes = version1 ? 2 : 4; // the length before a name
            int n = in.readCount("the parameter count", nameBytes + 4);
            for (int p = 0; p < n; p++) {
                String id = version1 ? in.readUTF() : in.readString();
                float[][] values = new float[in.readCount("a parameter's buffer count", 4)][];
                for (int i = 0; i < values.length; i++) {
                    values[i] = new float[in.readCount("a buffer's length", 4)];
                    for (int j = 0; j < values[i].length; j++) {
                        values[i][j] = in.readFloat();
                    }
                }
                read.put(id, values);
            }
            if (!version1) {
                in.checkFooter();
            } else if (in.remaining() != 0) {
                throw in.damaged(in.remaining() + " bytes follow its last parameter");
            }
        }
        if (!saved.equals(kind.name())) { // checked once the checksum has shown the file intact
            throw new IOException(file + " holds " + saved + " state, but the run uses " + kind);
        }
        restored.putAll(read);
        state.clear();
    }

    /** Builder: the kind and learning rate are fixed at creation; DJL's settings (weight decay…) are optional. */
    static final class Builder extends OptimizerBuilder<Builder> {
        private final Kind kind;
        private final ParameterTracker learningRate;
        private final int firstUpdate;
        private float momentum;
        private Map<String, String> names = Map.of();
        private NDManager stateManager;

        private Builder(Kind kind, ParameterTracker learningRate, int done) {
            this.kind = kind;
            this.learningRate = learningRate;
            this.firstUpdate = done;
        }

        /** The block's parameter names by id ({@link #names(ai.djl.nn.Block)}), so that saved state finds its parameter. */
        Builder optNames(Map<String, String> names) {
            this.names = Map.copyOf(names);
            return this;
        }

        /**
         * Keeps the buffers on {@code manager} rather than on their parameter's: for parameters that a training step
         * borrows (a loss's proxies), whose manager at the update is the step's.
         */
        Builder optStateManager(NDManager manager) {
            this.stateManager = manager;
            return this;
        }

        /** SGD: the momentum (0: plain SGD, no buffer). */
        Builder optMomentum(float momentum) {
            this.momentum = momentum;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        ResumableOptimizer build() {
            return new ResumableOptimizer(this);
        }
    }
}
