package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.simforge.train.loss.CrossBatchMemory;
import io.simforge.train.loss.EmbeddingBatch;
import io.simforge.train.loss.LossState;
import io.simforge.train.loss.MultiSimilarityLoss;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The split-and-gather forward pass. This machine has no GPUs, so the devices here are the CPU named three times:
 * the slicing, the order of the gathered rows and the gradients through the gather are what is checked (on GPUs
 * the copies between devices are real, and autograd records them the same way).
 */
class DataParallelTest {
    @Test
    void slicesDifferByAtMostOneRow() {
        assertArrayEquals(new long[] {0, 27, 54, 80}, DataParallel.bounds(80, 3));
        assertArrayEquals(new long[] {0, 40, 80}, DataParallel.bounds(80, 2));
        assertThrows(IllegalArgumentException.class, () -> DataParallel.bounds(5, 3));
    }

    @Test
    void theLossSeesTheWholeBatchInOrderAndEverySliceGetsItsGradient() {
        Device[] three = {Device.cpu(), Device.cpu(), Device.cpu()};
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            NDArray x = m.randomNormal(new Shape(20, 6));
            float[] weights = m.randomNormal(new Shape(6, 8)).toFloatArray();
            NDArray y = m.create(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4});
            MultiSimilarityLoss loss = MultiSimilarityLoss.builder().build();
            List<Long> sliceRows = new ArrayList<>();
            float[][] results = new float[2][];
            float[][] gradients = new float[2][];
            for (int run = 0; run < 2; run++) {
                NDArray w = m.create(weights, new Shape(6, 8)); // fresh, so gradients do not accumulate across runs
                w.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray e = run == 0 ? embed(x, w)
                            : DataParallel.forward(slice -> {
                                sliceRows.add(slice.getShape().get(0));
                                return embed(slice, w);
                            }, x, three);
                    NDArray l = loss.compute(e, y);
                    results[run] = e.toFloatArray();
                    gc.backward(l);
                }
                gradients[run] = w.getGradient().toFloatArray();
            }
            assertEquals(List.of(7L, 7L, 6L), sliceRows);
            assertArrayEquals(results[0], results[1], 1e-6f, "the gathered embeddings are the whole batch's, in order");
            assertArrayEquals(gradients[0], gradients[1], 1e-6f, "gradients flow back through the gather");
        }
    }

    /** With several devices the cross-batch memory receives the gathered batch, every row in the sampler's order. */
    @Test
    void theCrossBatchMemoryHoldsTheGatheredBatch() {
        Device[] two = {Device.cpu(), Device.cpu()};
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(6);
            NDArray x = m.randomNormal(new Shape(12, 4));
            NDArray w = m.randomNormal(new Shape(4, 3));
            NDArray gathered = DataParallel.forward(slice -> embed(slice, w), x, two);
            CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(MultiSimilarityLoss.builder().build()).setSize(32)
                    .build();
            xbm.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, 3, 3, 0);
            xbm.endStep(EmbeddingBatch.of(gathered, m.create(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}),
                    m.arange(100, 112)), 1);
            LossState saved = xbm.saveState();
            assertArrayEquals(new int[] {12, 12}, saved.ints("xbm.position"), "all 12 rows");
            NDArray memory = m.zeros(new Shape(32, 3));
            saved.copyInto("xbm.embeddings", memory);
            assertArrayEquals(embed(x, w).toFloatArray(), memory.get("0:12").toFloatArray(), 1e-6f,
                    "the whole batch's embeddings, in order");
        }
    }

    private static NDArray embed(NDArray x, NDArray w) {
        NDArray e = x.matMul(w);
        return e.div(e.norm(new int[] {1}, true));
    }
}
