package io.simforge.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.simforge.models.ScalarArrays;
import java.util.List;
import java.util.Map;

/**
 * Cross-batch memory (XBM; Wang et al., CVPR 2020): wraps any pair-based {@link MetricLoss} so that it mines
 * against the last M embeddings of earlier batches, not only the batch.
 *
 * <p>The memory is a queue of the last {@code size} embeddings with their labels and dataset item ids, without
 * gradient, on the training device, allocated once (M × d floats: 128 MiB at M = 65,536 and d = 512). After each
 * training step past the warm-up the step's batch is written at the queue's head (a ring: the oldest rows are
 * overwritten, the write wraps around the end). The loss of a batch is
 * <pre>    L = L(batch, batch) + w · L(batch, memory)</pre>
 * where the second term is the wrapped loss over each row's pairs with the memory (its own formulas, on a rows ×
 * memory pair matrix; 0 while the memory is empty). A row is never paired with a memory entry of the same dataset
 * item (an older embedding of itself), by id.
 *
 * <p>With Embedding Expansion inside ({@code XBM(EE(loss))}), the batch side is the expanded batch (originals and
 * synthetic points), while the memory receives the originals only. With several GPUs the loss, and so the memory,
 * sees the batch gathered on the first device.
 *
 * <p><b>Choice:</b> the official code enqueues the batch <em>before</em> its loss, so that its memory term also
 * pairs the batch with detached copies of itself (self-pairs dropped there by a similarity threshold, which
 * methods.md rules out). Here the memory holds earlier batches only, filled after each step: with an empty memory
 * the loss is exactly the wrapped loss, and the batch's own pairs count once, in the first term.
 */
public final class CrossBatchMemory extends MetricLoss {
    private final MetricLoss loss;
    private final int size;
    private final int warmupIterations;
    private final float weight;

    private NDArray embeddings;
    private NDArray labels;
    private NDArray ids;
    /** The next slot to write. */
    private int head;
    /** Slots holding an entry: grows to {@link #size} and stays there. */
    private int filled;

    private CrossBatchMemory(Builder b) {
        super("CrossBatchMemory(" + b.loss.getName() + ")");
        this.loss = b.loss;
        this.size = b.size;
        this.warmupIterations = b.warmupIterations;
        this.weight = b.weight;
    }

    public static Builder builder() {
        return new Builder();
    }

    public MetricLoss getLoss() {
        return loss;
    }

    /** M: embeddings the memory holds. */
    public int getSize() {
        return size;
    }

    public int getWarmupIterations() {
        return warmupIterations;
    }

    public float getWeight() {
        return weight;
    }

    /** Entries in the memory now. */
    int filled() {
        return filled;
    }

    @Override
    public boolean isPairBased() {
        return true;
    }

    @Override
    public List<String> layoutProblems(int classesPerBatch, int samplesPerClass) {
        List<String> p = new java.util.ArrayList<>(loss.layoutProblems(classesPerBatch, samplesPerClass));
        if (classesPerBatch * samplesPerClass > size) {
            p.add("the cross-batch memory holds " + size + " embeddings, fewer than one batch of "
                    + classesPerBatch * samplesPerClass + ": make it at least a batch (a few thousand is usual)");
        }
        return p;
    }

    @Override
    public void initialize(NDManager manager, DataType type, int classes, int embeddingSize, long seed) {
        loss.initialize(manager, type, classes, embeddingSize, seed);
        embeddings = manager.zeros(new Shape(size, embeddingSize), type);
        labels = manager.zeros(new Shape(size), DataType.INT32);
        ids = manager.zeros(new Shape(size), DataType.INT32);
        head = 0;
        filled = 0;
    }

    @Override
    public NDArray compute(EmbeddingBatch batch) {
        NDArray batchLoss = loss.compute(batch);
        if (filled == 0) {
            return batchLoss;
        }
        if (batch.ids() == null) {
            throw new IllegalArgumentException("the cross-batch memory needs the batch's dataset item ids, so that no "
                    + "item is paired with its own older embedding: build the batch with EmbeddingBatch.of(x, y, ids)");
        }
        NDIndex used = new NDIndex(":{}", filled);
        EmbeddingBatch.References memory = new EmbeddingBatch.References(embeddings.get(used), labels.get(used),
                ids.get(used));
        NDArray memoryLoss = loss.compute(batch.pairedWith(memory));
        return batchLoss.add(memoryLoss.mul(ScalarArrays.of(memoryLoss, weight)));
    }

    /** Writes the batch's embeddings (without gradient), labels and ids at the head of the queue. */
    void enqueue(EmbeddingBatch batch) {
        NDArray x = batch.embeddings().stopGradient();
        NDArray y = batch.labels().toType(DataType.INT32, false);
        NDArray id = batch.ids().toType(DataType.INT32, false);
        int rows = (int) batch.anchors();
        int first = Math.min(rows, size - head);
        write(head, x, y, id, 0, first);
        if (first < rows) {
            write(0, x, y, id, first, rows); // wraps around the end
        }
        head = (head + rows) % size;
        filled = Math.min(size, filled + rows);
    }

    private void write(int slot, NDArray x, NDArray y, NDArray id, int from, int to) {
        NDIndex rows = new NDIndex("{}:{}", from, to);
        NDIndex slots = new NDIndex("{}:{}", slot, slot + to - from);
        embeddings.set(slots, x.get(rows));
        labels.set(slots, y.get(rows));
        ids.set(slots, id.get(rows));
    }

    @Override
    public Map<String, NDArray> parameters() {
        return loss.parameters();
    }

    @Override
    public void beginStep(NDManager step) {
        loss.beginStep(step);
        for (NDArray a : new NDArray[] {embeddings, labels, ids}) {
            a.tempAttach(step);
        }
    }

    /** Remembers the batch's original rows once the warm-up is over. */
    @Override
    public void endStep(EmbeddingBatch batch, int iteration) {
        loss.endStep(batch, iteration);
        if (iteration > warmupIterations) {
            if (batch.groups() != 1 || batch.ids() == null) {
                throw new IllegalArgumentException("the cross-batch memory remembers plain batches with item ids");
            }
            enqueue(batch);
        }
    }

    /** The memory's entries from oldest to newest, as (embeddings, labels, ids): the order the queue received them. */
    NDList contents() {
        NDList out = new NDList();
        for (NDArray a : new NDArray[] {embeddings, labels, ids}) {
            out.add(filled < size ? a.get(new NDIndex(":{}", filled))
                    : NDArrays.concat(new NDList(a.get(new NDIndex("{}:", head)), a.get(new NDIndex(":{}", head))), 0));
        }
        return out;
    }

    @Override
    public LossState saveState() {
        return loss.saveState().put("xbm.embeddings", embeddings).put("xbm.labels", labels).put("xbm.ids", ids)
                .putInts("xbm.position", head, filled);
    }

    @Override
    public void loadState(LossState state) {
        loss.loadState(state);
        int[] position = state.ints("xbm.position");
        if (position.length != 2 || position[0] < 0 || position[0] >= size || position[1] < 0 || position[1] > size) {
            throw new IllegalArgumentException("the saved cross-batch memory position " + java.util.Arrays.toString(
                    position) + " does not fit a memory of " + size);
        }
        state.copyInto("xbm.embeddings", embeddings);
        state.copyInto("xbm.labels", labels);
        state.copyInto("xbm.ids", ids);
        head = position[0];
        filled = position[1];
    }

    /** Builder: the wrapped loss and the size are required; the warm-up (0) and the weight (1) optional. */
    public static final class Builder {
        private MetricLoss loss;
        private int size;
        private int warmupIterations;
        private float weight = 1f;

        public Builder setLoss(MetricLoss loss) {
            this.loss = loss;
            return this;
        }

        /** M: how many embeddings the memory holds (e.g. 4,096 to 65,536). */
        public Builder setSize(int size) {
            this.size = size;
            return this;
        }

        /** Iterations trained before the memory starts filling (default 0: from the first step). */
        public Builder optWarmupIterations(int iterations) {
            this.warmupIterations = iterations;
            return this;
        }

        /** w, the weight of the memory term (default 1, as the paper). */
        public Builder optWeight(float weight) {
            this.weight = weight;
            return this;
        }

        public CrossBatchMemory build() {
            if (loss == null) {
                throw new IllegalArgumentException("the cross-batch memory needs the loss it wraps (setLoss)");
            }
            if (loss instanceof CrossBatchMemory) {
                throw new IllegalArgumentException("the cross-batch memory cannot wrap itself");
            }
            if (!loss.isPairBased()) {
                throw new IllegalArgumentException("the cross-batch memory pairs a batch with earlier embeddings for a "
                        + "pair-based loss; " + loss.getName() + " learns from parameters of its own (proxies or class "
                        + "weights): train it without XBM");
            }
            if (size < 1) {
                throw new IllegalArgumentException("the cross-batch memory needs a size of at least 1, got " + size);
            }
            if (warmupIterations < 0 || !Float.isFinite(weight) || weight < 0) {
                throw new IllegalArgumentException("the cross-batch memory needs warm-up iterations >= 0 and a finite "
                        + "weight >= 0, got " + warmupIterations + " and " + weight);
            }
            return new CrossBatchMemory(this);
        }
    }
}
