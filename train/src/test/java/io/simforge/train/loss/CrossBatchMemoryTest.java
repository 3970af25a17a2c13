package io.simforge.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-batch memory: its queue rule, and every pair-based loss (with and without Embedding Expansion) paired
 * with a memory against the double-loop {@link Reference}, values and finite-difference gradients, with an item's
 * own older embedding in the memory.
 */
class CrossBatchMemoryTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (LossFamilyTest.Kind k : LossFamilyTest.Kind.values()) {
            for (LossFamilyTest.Wrap w : new LossFamilyTest.Wrap[] {LossFamilyTest.Wrap.NONE, LossFamilyTest.Wrap.EE}) {
                out.add(Arguments.of(k, w));
            }
        }
        return out.stream();
    }

    /** Rows whose first value is their item id, so that the memory's contents can be read back as ids. */
    private static double[][] rowsNamedByIds(int[] ids) {
        double[][] x = new double[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            x[i] = new double[] {ids[i], -ids[i], 0.5};
        }
        return x;
    }

    private static int[] range(int from, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static void remember(CrossBatchMemory xbm, NDManager m, double[][] x, int[] y, int[] ids, int iteration,
            DataType type) {
        xbm.endStep(EmbeddingBatch.of(LossFamilyTest.array(m, x, type), m.create(y), m.create(ids)), iteration);
    }

    private static void remember(CrossBatchMemory xbm, NDManager m, double[][] x, int[] y, int[] ids, int iteration) {
        remember(xbm, m, x, y, ids, iteration, DataType.FLOAT64);
    }

    private static int[] asInts(NDArray a) {
        return a.toType(DataType.INT32, false).toIntArray();
    }

    @Test
    void theQueueHoldsTheLastMItemsInTheOrderTheyCame() {
        // M = 10, batches of 4, warm-up 1: step 1 is not remembered, steps 2-5 bring items 4-19.
        CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(MultiSimilarityLoss.builder().build()).setSize(10)
                .optWarmupIterations(1).build();
        try (NDManager m = manager.newSubManager()) {
            xbm.initialize(m, DataType.FLOAT32, 7, 3, 0); // training's type, which a checkpoint saves
            for (int step = 1; step <= 5; step++) {
                int[] ids = range(4 * (step - 1), 4);
                int[] labels = java.util.Arrays.stream(ids).map(i -> i % 7).toArray();
                remember(xbm, m, rowsNamedByIds(ids), labels, ids, step, DataType.FLOAT32);
                if (step == 1) {
                    assertEquals(0, xbm.filled(), "the warm-up step is not remembered");
                }
                if (step == 3) {
                    NDList c = xbm.contents();
                    assertArrayEquals(range(4, 8), asInts(c.get(2)), "not full yet: items 4-11 in arrival order");
                }
            }
            assertEquals(10, xbm.filled());
            // The ring, slot by slot: step 2 wrote slots 0-3 (items 4-7), step 3 slots 4-7 (8-11), step 4 slots 8-9
            // (12, 13) and, wrapping, 0-1 (14, 15), step 5 slots 2-5 (16-19). The next write goes to slot 6.
            LossState saved = xbm.saveState();
            assertArrayEquals(new int[] {14, 15, 16, 17, 18, 19, 10, 11, 12, 13}, saved.ints("xbm.ids"));
            assertArrayEquals(new int[] {6, 10}, saved.ints("xbm.position"));
            NDList c = xbm.contents();
            int[] oldestFirst = range(10, 10);
            assertArrayEquals(oldestFirst, asInts(c.get(2)), "the last 10 items, oldest first");
            assertArrayEquals(java.util.Arrays.stream(oldestFirst).map(i -> i % 7).toArray(), asInts(c.get(1)),
                    "their labels");
            float[] e = c.get(0).toFloatArray();
            for (int r = 0; r < 10; r++) {
                assertArrayEquals(new float[] {oldestFirst[r], -oldestFirst[r], 0.5f},
                        java.util.Arrays.copyOfRange(e, 3 * r, 3 * r + 3), 0, "their embeddings, row " + r);
            }
        }
    }

    /** A batch of P×K rows (item ids 100…), and a memory of earlier rows that holds two of its items again. */
    private record Setup(double[][] x, int[] y, int[] ids, Reference.Memory memory) {}

    private static Setup setup(Random r, int d) {
        double[][] x = LossFamilyTest.roundToFloat(LossFamilyTest.unitRows(r, 8, d));
        int[] y = LossFamilyTest.pk(2, 4); // labels 1, 4
        int[] ids = range(100, 8);
        // 12 earlier rows: classes 1, 4 and 7; rows 3 and 9 are older embeddings of batch items 100 and 105, opposite
        // to their current ones, so that as positives they would be the hardest of all.
        double[][] mx = LossFamilyTest.unitRows(r, 12, d);
        for (int k = 0; k < d; k++) {
            mx[3][k] = -x[0][k];
            mx[9][k] = -x[5][k];
        }
        int[] my = {1, 4, 7, 1, 4, 7, 1, 4, 7, 4, 1, 7};
        int[] mid = {50, 51, 52, 100, 54, 55, 56, 57, 58, 105, 60, 61};
        return new Setup(x, y, ids, new Reference.Memory(mx, my, mid));
    }

    private static CrossBatchMemory filled(MetricLoss inner, Setup s, NDManager m, float weight) {
        CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(inner).setSize(16).optWeight(weight).build();
        xbm.initialize(m, DataType.FLOAT64, 8, s.x()[0].length, 0);
        double[][] first = java.util.Arrays.copyOfRange(s.memory().x(), 0, 6);
        double[][] second = java.util.Arrays.copyOfRange(s.memory().x(), 6, 12);
        remember(xbm, m, first, java.util.Arrays.copyOfRange(s.memory().y(), 0, 6),
                java.util.Arrays.copyOfRange(s.memory().ids(), 0, 6), 1);
        remember(xbm, m, second, java.util.Arrays.copyOfRange(s.memory().y(), 6, 12),
                java.util.Arrays.copyOfRange(s.memory().ids(), 6, 12), 2);
        assertEquals(12, xbm.filled());
        return xbm;
    }

    /** The loss and the gradient with respect to the batch's embeddings, with item ids. */
    private static LossFamilyTest.Evaluated evaluate(MetricLoss loss, double[][] x, int[] y, int[] ids, NDManager m) {
        try (NDManager step = m.newSubManager()) {
            loss.beginStep(step);
            NDArray e = LossFamilyTest.array(step, x, DataType.FLOAT64);
            e.setRequiresGradient(true);
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(EmbeddingBatch.of(e, step.create(y), step.create(ids)));
                value = l.getDouble();
                gc.backward(l);
            }
            return new LossFamilyTest.Evaluated(value, e.getGradient().toDoubleArray());
        }
    }

    /** The reference: L(batch) + w · L(batch against the memory), the batch expanded first under EE. */
    private static double reference(LossFamilyTest.Kind kind, LossFamilyTest.Wrap wrap, double[][] x, int[] y,
            int[] ids, Reference.Memory memory, double weight, Reference.Batch weightsFrom) {
        Reference.Batch b = wrap.batch(x, y);
        int[] rowIds = Reference.expandIds(ids, b.groups());
        double batchTerm = kind.reference.apply(Reference.Pairs.square(b), Reference.Pairs.square(weightsFrom));
        double memoryTerm = kind.reference.apply(Reference.Pairs.memory(b, rowIds, memory),
                Reference.Pairs.memory(weightsFrom, rowIds, memory));
        return batchTerm + weight * memoryTerm;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void anEmptyMemoryLeavesTheLossExactlyAsItIs(LossFamilyTest.Kind kind, LossFamilyTest.Wrap wrap) {
        Setup s = setup(new Random(kind.ordinal()), 5);
        try (NDManager m = manager.newSubManager()) {
            CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(wrap.around(kind.loss.get())).setSize(64).build();
            xbm.initialize(m, DataType.FLOAT64, 8, 5, 0);
            LossFamilyTest.Evaluated with = evaluate(xbm, s.x(), s.y(), s.ids(), m);
            LossFamilyTest.Evaluated without = evaluate(wrap.around(kind.loss.get()), s.x(), s.y(), s.ids(), m);
            assertEquals(without.value(), with.value(), 0.0);
            assertArrayEquals(without.gradient(), with.gradient(), 0.0);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void withAMemoryEveryLossMatchesTheReference(LossFamilyTest.Kind kind, LossFamilyTest.Wrap wrap) {
        Setup s = setup(new Random(40 + kind.ordinal()), 5);
        try (NDManager m = manager.newSubManager()) {
            CrossBatchMemory xbm = filled(wrap.around(kind.loss.get()), s, m, 0.5f);
            Reference.Batch at = wrap.batch(s.x(), s.y());
            double expected = reference(kind, wrap, s.x(), s.y(), s.ids(), s.memory(), 0.5, at);
            LossFamilyTest.Evaluated e = evaluate(xbm, s.x(), s.y(), s.ids(), m);
            // Float64 arithmetic with the losses' float32 constants (0.1f, 1/3f): agreement to ~1e-8 relative.
            assertEquals(expected, e.value(), 1e-6 * Math.max(1, Math.abs(expected)));
            // The memory term is there, and it matters which items are the batch's own.
            double batchOnly = kind.reference(at);
            assertNotEquals(batchOnly, expected, 1e-6, "the memory changes the loss");
            Reference.Memory anonymous = new Reference.Memory(s.memory().x(), s.memory().y(), range(-100, 12));
            if (kind != LossFamilyTest.Kind.NPAIR) { // N-pair's memory term uses negatives only
                assertNotEquals(reference(kind, wrap, s.x(), s.y(), s.ids(), anonymous, 0.5, at), expected, 1e-9,
                        "excluding the batch items' own older embeddings changes the loss");
            }

            // The gradient (the memory is a constant), against central differences of the reference.
            double[][] x = LossFamilyTest.deepCopy(s.x());
            double h = 1e-6;
            double maxErr = 0;
            double maxGrad = 0;
            for (int i = 0; i < x.length; i++) {
                for (int d = 0; d < x[i].length; d++) {
                    double keep = x[i][d];
                    x[i][d] = keep + h;
                    double up = reference(kind, wrap, x, s.y(), s.ids(), s.memory(), 0.5, at);
                    x[i][d] = keep - h;
                    double down = reference(kind, wrap, x, s.y(), s.ids(), s.memory(), 0.5, at);
                    x[i][d] = keep;
                    double numeric = (up - down) / (2 * h);
                    maxErr = Math.max(maxErr, Math.abs(numeric - e.gradient()[i * x[i].length + d]));
                    maxGrad = Math.max(maxGrad, Math.abs(numeric));
                }
            }
            assertTrue(maxGrad > 1e-4, "the check needs a non-trivial gradient, got " + maxGrad);
            assertTrue(maxErr < 1e-6 + 1e-5 * maxGrad, "max |autograd - finite difference| = " + maxErr + " (max "
                    + maxGrad + ")");
        }
    }

    @Test
    void aRowIsNeverPairedWithAnOlderEmbeddingOfItsOwnItem() {
        try (NDManager m = manager.newSubManager()) {
            // Rows: items 5 and 6 and a synthetic point (−1), all of class 3. References: items 6, 5, 7 of class 3 and
            // item 8 of class 2.
            PairMasks masks = PairMasks.between(m.create(new int[] {3, 3, 3}), m.create(new int[] {5, 6, -1}),
                    m.create(new int[] {3, 3, 3, 2}), m.create(new int[] {6, 5, 7, 8}));
            boolean[][] positives = {{true, false, true, false}, {false, true, true, false}, {true, true, true, false}};
            boolean[][] negatives = {{false, false, false, true}, {false, false, false, true}, {false, false, false, true}};
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(positives[i][j], masks.positives().getBoolean(i, j), "positive " + i + "," + j);
                    assertEquals(negatives[i][j], masks.negatives().getBoolean(i, j), "negative " + i + "," + j);
                }
            }
            // The contrastive loss (m_pos = 0) of a batch whose items all sit in the memory with the same embeddings:
            // only their own copies are at distance 0, so excluding them leaves the positive term unchanged by them.
            double[][] x = LossFamilyTest.roundToFloat(LossFamilyTest.unitRows(new Random(9), 4, 3));
            int[] y = {0, 0, 1, 1};
            int[] ids = {10, 11, 12, 13};
            CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(ContrastiveLoss.builder().build()).setSize(8)
                    .optWeight(1).build();
            xbm.initialize(m, DataType.FLOAT64, 2, 3, 0);
            remember(xbm, m, x, y, ids, 1);
            double value = evaluate(xbm, x, y, ids, m).value();
            Reference.Memory memory = new Reference.Memory(x, y, ids);
            Reference.Batch b = new Reference.Batch(x, y, 1);
            double expected = Reference.contrastive(b, 0, 1) + Reference.contrastive(Reference.Pairs.memory(b, ids,
                    memory), 0, 1);
            assertEquals(expected, value, 1e-7);
            // Positive pairs against the memory: (10, 11), (11, 10), (12, 13), (13, 12) only, as in the batch itself.
            assertEquals(2 * Reference.contrastive(b, 0, 1), value, 1e-7);
        }
    }

    @Test
    void withEmbeddingExpansionTheMemoryKeepsOriginalsOnly() {
        Setup s = setup(new Random(3), 4);
        try (NDManager m = manager.newSubManager()) {
            CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(EmbeddingExpansion.builder()
                    .setLoss(MultiSimilarityLoss.builder().build()).build()).setSize(20).build();
            xbm.initialize(m, DataType.FLOAT64, 8, 4, 0);
            remember(xbm, m, s.x(), s.y(), s.ids(), 1);
            assertEquals(8, xbm.filled(), "the batch's 8 originals, none of its 16 synthetic points");
            assertArrayEquals(s.ids(), asInts(xbm.contents().get(2)));
        }
    }

    @Test
    void configurationErrorsNameTheFix() {
        MetricLoss proxy = ProxyAnchorLoss.builder().build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CrossBatchMemory.builder().setLoss(proxy)
                .setSize(100).build()).getMessage().contains("train it without XBM"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EmbeddingExpansion.builder().setLoss(proxy)
                .build()).getMessage().contains("train it without EE"));
        CrossBatchMemory xbm = CrossBatchMemory.builder().setLoss(MultiSimilarityLoss.builder().build()).setSize(64)
                .build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EmbeddingExpansion.builder().setLoss(xbm)
                .build()).getMessage().contains("inside the cross-batch memory"));
        assertTrue(xbm.layoutProblems(4, 16).isEmpty());
        assertTrue(xbm.layoutProblems(5, 16).get(0).contains("fewer than one batch of 80"));
        assertThrows(IllegalArgumentException.class, () -> CrossBatchMemory.builder().setLoss(xbm).setSize(64).build());
        assertThrows(IllegalArgumentException.class, () -> CrossBatchMemory.builder()
                .setLoss(MultiSimilarityLoss.builder().build()).setSize(0).build());
        // A memory term needs to know which rows are which items.
        Setup s = setup(new Random(1), 5);
        try (NDManager m = manager.newSubManager()) {
            CrossBatchMemory full = filled(MultiSimilarityLoss.builder().build(), s, m, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> full.compute(
                    LossFamilyTest.array(m, s.x(), DataType.FLOAT64), m.create(s.y())));
            assertTrue(e.getMessage().contains("item ids"), e.getMessage());
        }
    }
}
