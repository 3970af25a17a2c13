package io.simforge.train.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 * Every loss, with and without Embedding Expansion, against the double-loop {@link Reference}: values,
 * finite-difference gradients, edge cases, and EE's geometry.
 */
class LossFamilyTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * One pair-based loss under test with its independent reference, which takes the pairs and the pairs whose
     * similarities weight them (the same ones, except in a finite-difference check of a loss whose weights carry no
     * gradient: Circle).
     */
    enum Kind {
        MS(() -> MultiSimilarityLoss.builder().build(), (p, w) -> Reference.ms(p, 2, 40, 0.5, 0.1, true)),
        MS_NO_MINING(() -> MultiSimilarityLoss.builder().optMining(false).optBeta(10).build(),
                (p, w) -> Reference.ms(p, 2, 10, 0.5, 0.1, false)),
        TRIPLET(() -> BatchHardTripletLoss.builder().optMargin(0.3f).build(), (p, w) -> Reference.triplet(p, 0.3, false)),
        TRIPLET_SOFT(() -> BatchHardTripletLoss.builder().optSoftMargin(true).build(),
                (p, w) -> Reference.triplet(p, 0, true)),
        LIFTED(() -> LiftedStructureLoss.builder().build(), (p, w) -> Reference.lifted(p, 1.0)),
        NPAIR(() -> NPairLoss.builder().optL2Weight(0.002f).build(), (p, w) -> Reference.npair(p, 0.002)),
        CONTRASTIVE(() -> ContrastiveLoss.builder().optPositiveMargin(0.1f).optNegativeMargin(1.2f).build(),
                (p, w) -> Reference.contrastive(p, 0.1, 1.2)),
        CIRCLE(() -> CircleLoss.builder().build(), (p, w) -> Reference.circle(p, w, 80, 0.4)),
        CIRCLE_FACE(() -> CircleLoss.builder().optGamma(256).optMargin(0.25f).build(),
                (p, w) -> Reference.circle(p, w, 256, 0.25));

        final java.util.function.Supplier<MetricLoss> loss;
        final java.util.function.BiFunction<Reference.Pairs, Reference.Pairs, Double> reference;

        Kind(java.util.function.Supplier<MetricLoss> loss,
                java.util.function.BiFunction<Reference.Pairs, Reference.Pairs, Double> reference) {
            this.loss = loss;
            this.reference = reference;
        }

        double reference(Reference.Batch b) {
            return reference.apply(Reference.Pairs.square(b), Reference.Pairs.square(b));
        }
    }

    /** How EE wraps the loss: not at all, n = 2 normalised (default), n = 3 without normalisation. */
    enum Wrap {
        NONE(0, true), EE(2, true), EE3_RAW(3, false);

        final int n;
        final boolean normalize;

        Wrap(int n, boolean normalize) {
            this.n = n;
            this.normalize = normalize;
        }

        MetricLoss around(MetricLoss base) {
            return n == 0 ? base : EmbeddingExpansion.builder().setLoss(base).optSyntheticPoints(n)
                    .optNormalize(normalize).build();
        }

        Reference.Batch batch(double[][] x, int[] y) {
            return n == 0 ? new Reference.Batch(x, y, 1) : Reference.expand(x, y, n, normalize);
        }

        double reference(Kind kind, double[][] x, int[] y) {
            return kind.reference(batch(x, y));
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (Wrap w : Wrap.values()) {
                out.add(Arguments.of(k, w));
            }
        }
        return out.stream();
    }

    static double[][] unitRows(Random r, int m, int d) {
        double[][] x = new double[m][d];
        for (double[] row : x) {
            double norm = 0;
            for (int k = 0; k < d; k++) {
                row[k] = r.nextGaussian();
                norm += row[k] * row[k];
            }
            for (int k = 0; k < d; k++) {
                row[k] /= Math.sqrt(norm);
            }
        }
        return x;
    }

    static double[][] deepCopy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }

    static int[] pk(int p, int k) {
        int[] y = new int[p * k];
        for (int i = 0; i < y.length; i++) {
            y[i] = 3 * (i / k) + 1;
        }
        return y;
    }

    static NDArray array(NDManager m, double[][] x, DataType type) {
        double[] flat = new double[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, flat, i * x[i].length, x[i].length);
        }
        return m.create(flat, new Shape(x.length, x[0].length)).toType(type, false);
    }

    static double[][] roundToFloat(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int k = 0; k < x[i].length; k++) {
                out[i][k] = (float) x[i][k];
            }
        }
        return out;
    }

    /** The loss value and the gradient with respect to the embeddings. */
    record Evaluated(double value, double[] gradient) {}

    static Evaluated evaluate(MetricLoss loss, double[][] x, int[] y, DataType type) {
        try (NDManager step = manager.newSubManager()) {
            NDArray e = array(step, x, type);
            e.setRequiresGradient(true);
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(e, step.create(y));
                value = l.toType(DataType.FLOAT64, false).getDouble();
                gc.backward(l);
            }
            return new Evaluated(value, e.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void valuesMatchTheReference(Kind kind, Wrap wrap) {
        MetricLoss loss = wrap.around(kind.loss.get());
        Random r = new Random(kind.ordinal() * 31 + wrap.ordinal());
        for (int trial = 0; trial < 4; trial++) {
            double[][] x = roundToFloat(unitRows(r, 12, 6));
            int[] y = pk(3, 4);
            double expected = wrap.reference(kind, x, y);
            // Float64: the vectorised formulas are the reference's formulas.
            assertEquals(expected, evaluate(loss, x, y, DataType.FLOAT64).value(), 1e-5 * Math.abs(expected) + 1e-9,
                    "float64, trial " + trial);
            // Float32, what training uses. EE makes every interior point twice (once from each end), and a
            // Euclidean distance of exactly 0 computed in float32 from the Gram matrix is only accurate to about
            // sqrt(float epsilon) ~ 3e-4; the lifted loss sums such distances over its positive pairs.
            double tolerance = kind == Kind.LIFTED && wrap != Wrap.NONE ? 1e-3 : 1e-5;
            assertEquals(expected, evaluate(loss, x, y, DataType.FLOAT32).value(), tolerance * Math.abs(expected) + 1e-6,
                    "float32, trial " + trial);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Kind kind, Wrap wrap) {
        MetricLoss loss = wrap.around(kind.loss.get());
        Random r = new Random(100 + kind.ordinal() * 7 + wrap.ordinal());
        double[][] x = unitRows(r, 8, 5);
        int[] y = pk(2, 4);
        double[] auto = evaluate(loss, x, y, DataType.FLOAT64).gradient();
        Reference.Pairs at = Reference.Pairs.square(wrap.batch(deepCopy(x), y));
        double h = 1e-6;
        double maxErr = 0;
        double maxGrad = 0;
        for (int i = 0; i < x.length; i++) {
            for (int d = 0; d < x[i].length; d++) {
                double keep = x[i][d];
                x[i][d] = keep + h;
                double up = kind.reference.apply(Reference.Pairs.square(wrap.batch(x, y)), at);
                x[i][d] = keep - h;
                double down = kind.reference.apply(Reference.Pairs.square(wrap.batch(x, y)), at);
                x[i][d] = keep;
                double numeric = (up - down) / (2 * h);
                maxErr = Math.max(maxErr, Math.abs(numeric - auto[i * x[i].length + d]));
                maxGrad = Math.max(maxGrad, Math.abs(numeric));
            }
        }
        assertTrue(maxGrad > 1e-4, "the check needs a non-trivial gradient, got " + maxGrad);
        assertTrue(maxErr < 1e-6 + 1e-5 * maxGrad, "max |autograd - finite difference| = " + maxErr + " (max " + maxGrad + ")");
    }

    /**
     * Regression test for a DJL use-after-free (see ScalarArrays): a garbage collection between the forward
     * and the backward pass, followed by fresh native allocations, must not change any gradient.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward(Kind kind, Wrap wrap) throws Exception {
        MetricLoss loss = wrap.around(kind.loss.get());
        double[][] x = unitRows(new Random(5), 8, 5);
        int[] y = pk(2, 4);
        double[] expected = evaluate(loss, x, y, DataType.FLOAT32).gradient();
        double[] actual;
        try (NDManager step = manager.newSubManager()) {
            NDArray e = array(step, x, DataType.FLOAT32);
            e.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(e, step.create(y));
                List<java.nio.ByteBuffer> scribble = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    System.gc();
                    Thread.sleep(20);
                    // Fresh small direct buffers land in freed native memory; fill them with nonsense.
                    for (int i = 0; i < 2000; i++) {
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 + (i % 4) * 4)
                                .order(java.nio.ByteOrder.nativeOrder());
                        while (b.remaining() >= 4) {
                            b.putFloat(Float.NaN);
                        }
                        scribble.add(b);
                    }
                }
                gc.backward(l);
                scribble.clear();
            }
            actual = e.getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 + 1e-5 * Math.abs(expected[i]), "gradient element " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("baseKinds")
    void degenerateBatchesGiveTheSpecifiedValueAndAFiniteGradient(Kind kind) {
        MetricLoss loss = kind.loss.get();
        List<int[]> labelings = new ArrayList<>(List.of(new int[] {5, 5, 5, 5}));
        if (kind != Kind.NPAIR) {
            labelings.add(new int[] {0, 1, 2, 3});
            labelings.add(new int[] {0, 1, 1, 1}); // anchor 0 has no positive
        }
        double[][] x = {{1, 0}, {0.6, 0.8}, {-1, 0}, {0, -1}};
        for (int[] y : labelings) {
            Evaluated e = evaluate(loss, x, y, DataType.FLOAT32);
            assertEquals(kind.reference(new Reference.Batch(x, y, 1)), e.value(), 1e-5 * Math.max(1, e.value()),
                    "labels " + java.util.Arrays.toString(y));
            for (double g : e.gradient()) {
                assertTrue(Double.isFinite(g), "finite gradient for labels " + java.util.Arrays.toString(y));
            }
        }
        if (kind != Kind.NPAIR) {
            Evaluated single = evaluate(loss, new double[][] {{0.6, 0.8}}, new int[] {4}, DataType.FLOAT32);
            assertEquals(0.0, single.value(), 0.0);
            assertTrue(Double.isFinite(single.gradient()[0]) && Double.isFinite(single.gradient()[1]));
        }
        // Identical embeddings: zero distances must not give NaN gradients.
        double[][] same = {{1, 0}, {1, 0}, {1, 0}, {1, 0}};
        Evaluated e = evaluate(loss, same, new int[] {1, 1, 2, 2}, DataType.FLOAT32);
        assertTrue(Double.isFinite(e.value()));
        for (double g : e.gradient()) {
            assertTrue(Double.isFinite(g), kind + " gradient at zero distance");
        }
    }

    static Stream<Kind> baseKinds() {
        return Stream.of(Kind.values());
    }

    @Test
    void syntheticPointsLieOnTheArcOfTheUnitSphereAndCarryTheirPairsLabel() {
        Random r = new Random(3);
        double[][] x = unitRows(r, 6, 4);
        int[] y = {7, 7, 2, 2, 9, 9};
        EmbeddingExpansion ee = EmbeddingExpansion.builder().setLoss(MultiSimilarityLoss.builder().build())
                .optSyntheticPoints(3).build();
        try (NDManager step = manager.newSubManager()) {
            EmbeddingBatch expanded = ee.expand(EmbeddingBatch.of(array(step, x, DataType.FLOAT64), step.create(y)));
            assertEquals(4, expanded.groups());
            double[] e = expanded.embeddings().toDoubleArray();
            int[] labels = expanded.labels().toIntArray();
            for (int k = 1; k <= 3; k++) {
                double previousAngle = 0;
                for (int i = 0; i < 6; i++) {
                    double[] s = java.util.Arrays.copyOfRange(e, (k * 6 + i) * 4, (k * 6 + i + 1) * 4);
                    assertEquals(y[i], labels[k * 6 + i], "a synthetic point carries its pair's label");
                    assertEquals(1.0, Reference.dot(s, s), 1e-12, "on the unit sphere");
                    double toSelf = Math.acos(Math.min(1, Reference.dot(s, x[i])));
                    double toPartner = Math.acos(Math.min(1, Reference.dot(s, x[i ^ 1])));
                    double whole = Math.acos(Math.min(1, Reference.dot(x[i], x[i ^ 1])));
                    assertEquals(whole, toSelf + toPartner, 1e-9, "on the arc between the pair");
                    if (i == 0) {
                        assertTrue(toSelf > previousAngle, "k-th point is farther from its own end than the (k-1)-th");
                        previousAngle = toSelf;
                    }
                }
            }
        }
    }

    @Test
    void hardNegativePairMiningPicksASyntheticNegativeWhenItIsClosest() {
        double h = Math.sqrt(0.5);
        // Class A: a1, a2 at 90 degrees; their one synthetic point (n = 1) is (h, h). Class B: two copies of (h, h).
        double[][] x = {{1, 0}, {0, 1}, {h, h}, {h, h}};
        int[] y = {0, 0, 1, 1};
        BatchHardTripletLoss triplet = BatchHardTripletLoss.builder().optMargin(0.1f).build();
        MetricLoss ee = EmbeddingExpansion.builder().setLoss(triplet).optSyntheticPoints(1).build();
        double eps = 1e-6; // sqrt of the 1e-12 clamp
        // A anchors: hardest positive sqrt(2), hardest negative pair (synthetic (h,h), b) at distance ~0.
        // B anchors: positive at ~0, negative pair (b, synthetic of A) at ~0: loss = margin.
        double withEe = (2 * (Math.sqrt(2) - eps + 0.1) + 2 * 0.1) / 4;
        double dAB = Math.sqrt(2 - 2 * h);
        double without = (2 * (Math.sqrt(2) - dAB + 0.1) + 2 * Math.max(0, eps - dAB + 0.1)) / 4;
        assertEquals(withEe, evaluate(ee, x, y, DataType.FLOAT64).value(), 1e-8);
        assertEquals(without, evaluate(triplet, x, y, DataType.FLOAT64).value(), 1e-8);
    }

    @Test
    void eeConfigurationErrorsAreCaughtBeforeTraining() {
        MetricLoss ee = EmbeddingExpansion.builder().setLoss(LiftedStructureLoss.builder().build()).build();
        assertTrue(ee.layoutProblems(5, 16).isEmpty());
        assertTrue(ee.layoutProblems(5, 5).get(0).contains("K (samples per class) must be even, got 5"));
        assertTrue(NPairLoss.builder().build().layoutProblems(4, 3).get(0).contains("must be even"));
        // A batch that is not in same-class pairs is refused with the fix.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> evaluate(ee, new double[][] {{1, 0}, {0, 1}, {1, 0}, {0, 1}}, new int[] {0, 1, 0, 1}, DataType.FLOAT32));
        assertTrue(e.getMessage().contains("rows 0 and 1 have labels 0 and 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingExpansion.builder().setLoss(ee).build());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingExpansion.builder()
                .setLoss(MultiSimilarityLoss.builder().build()).optSyntheticPoints(0).build());
    }
}
