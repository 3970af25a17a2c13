package io.simforge.train.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The losses that learn a vector per class — Proxy-Anchor, ArcFace, CosFace — against the double-loop
 * {@link Reference}: values, finite-difference gradients for the embeddings and for the class vectors, and the edge
 * cases (a class absent from the batch, K = 1, all-equal embeddings, ArcFace past θ = π − m).
 */
class ClassVectorLossTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** One loss under test with its reference on (embeddings, labels, raw class vectors). */
    enum Kind {
        PROXY_ANCHOR(() -> ProxyAnchorLoss.builder().build(), (x, y, w) -> Reference.proxyAnchor(x, y, w, 32, 0.1)),
        PROXY_ANCHOR_SOFT(() -> ProxyAnchorLoss.builder().optAlpha(8).optDelta(0.2f).build(),
                (x, y, w) -> Reference.proxyAnchor(x, y, w, 8, 0.2)),
        ARCFACE(() -> MarginSoftmaxLoss.builder().setVariant(MarginSoftmaxLoss.Variant.ARCFACE).build(),
                (x, y, w) -> Reference.marginSoftmax(x, y, w, true, 64, 0.5)),
        ARCFACE_SMALL(() -> MarginSoftmaxLoss.builder().setVariant(MarginSoftmaxLoss.Variant.ARCFACE).optScale(16)
                .optMargin(0.2f).build(), (x, y, w) -> Reference.marginSoftmax(x, y, w, true, 16, 0.2)),
        COSFACE(() -> MarginSoftmaxLoss.builder().setVariant(MarginSoftmaxLoss.Variant.COSFACE).build(),
                (x, y, w) -> Reference.marginSoftmax(x, y, w, false, 64, 0.35));

        final java.util.function.Supplier<MetricLoss> loss;
        final ReferenceLoss reference;

        Kind(java.util.function.Supplier<MetricLoss> loss, ReferenceLoss reference) {
            this.loss = loss;
            this.reference = reference;
        }
    }

    @FunctionalInterface
    interface ReferenceLoss {
        double apply(double[][] x, int[] y, double[][] rawVectors);
    }

    /** Value, gradient for the embeddings and gradient for the class vectors. */
    record Evaluated(double value, double[] embeddingGradient, double[] vectorGradient) {}

    /** A loss set up for {@code vectors.length} classes whose vectors hold {@code vectors}, in {@code type}. */
    static MetricLoss withVectors(Kind kind, NDManager m, double[][] vectors, DataType type) {
        MetricLoss loss = kind.loss.get();
        loss.initialize(m, type, vectors.length, vectors[0].length, 1);
        loss.parameters().values().iterator().next().set(LossFamilyTest.array(m, vectors, type).toByteBuffer());
        return loss;
    }

    static MetricLoss withVectors(Kind kind, NDManager m, double[][] vectors) {
        return withVectors(kind, m, vectors, DataType.FLOAT64);
    }

    static Evaluated evaluate(MetricLoss loss, double[][] x, int[] y, DataType type) {
        try (NDManager step = manager.newSubManager()) {
            NDArray vectors = loss.parameters().values().iterator().next();
            loss.beginStep(step);
            NDArray e = LossFamilyTest.array(step, x, type);
            e.setRequiresGradient(true);
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(e, step.create(y));
                value = l.toType(DataType.FLOAT64, false).getDouble();
                gc.backward(l);
            }
            NDArray g = vectors.getGradient();
            double[] vectorGradient = g.toType(DataType.FLOAT64, false).toDoubleArray();
            g.subi(g); // autograd accumulates into the vectors' gradient; the next call starts from zero
            return new Evaluated(value, e.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(), vectorGradient);
        }
    }

    /** Random raw class vectors of mixed lengths: the losses must normalise them. */
    static double[][] rawVectors(Random r, int classes, int d) {
        double[][] w = LossFamilyTest.unitRows(r, classes, d);
        for (int c = 0; c < classes; c++) {
            for (int k = 0; k < d; k++) {
                w[c][k] *= 0.3 + c;
            }
        }
        return w;
    }

    /** Labelings: P×K, a class absent (0…5 with 3 and 5 missing), K = 1 (every row its own class). */
    static List<int[]> labelings() {
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {0, 0, 1, 1, 2, 2, 4, 4});
        out.add(new int[] {4, 0, 0, 1, 4, 2, 2, 0});
        out.add(new int[] {5, 0, 3, 1, 4, 2, 6, 7});
        return out;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void valuesMatchTheReference(Kind kind) {
        Random r = new Random(kind.ordinal());
        try (NDManager m = manager.newSubManager()) {
            for (int[] y : labelings()) {
                double[][] w = rawVectors(r, 8, 6);
                MetricLoss loss = withVectors(kind, m, w);
                double[][] x = LossFamilyTest.unitRows(r, y.length, 6);
                double expected = kind.reference.apply(x, y, w);
                assertEquals(expected, evaluate(loss, x, y, DataType.FLOAT64).value(), 1e-6 * Math.max(1, expected),
                        java.util.Arrays.toString(y));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void gradientsForEmbeddingsAndClassVectorsMatchFiniteDifferences(Kind kind) {
        Random r = new Random(50 + kind.ordinal());
        int[] y = {4, 0, 0, 1, 4, 2, 2, 0}; // classes 3, 5, 6, 7 absent
        double[][] w = rawVectors(r, 8, 5);
        double[][] x = LossFamilyTest.unitRows(r, y.length, 5);
        try (NDManager m = manager.newSubManager()) {
            Evaluated e = evaluate(withVectors(kind, m, w), x, y, DataType.FLOAT64);
            assertClose(e.embeddingGradient(), x, () -> kind.reference.apply(x, y, w), "embeddings");
            assertClose(e.vectorGradient(), w, () -> kind.reference.apply(x, y, w), "class vectors");
        }
    }

    /** Compares an autograd gradient with central differences of {@code f} over every entry of {@code values}. */
    private static void assertClose(double[] auto, double[][] values, java.util.function.DoubleSupplier f, String what) {
        double h = 1e-6;
        double maxErr = 0;
        double maxGrad = 0;
        for (int i = 0; i < values.length; i++) {
            for (int d = 0; d < values[i].length; d++) {
                double keep = values[i][d];
                values[i][d] = keep + h;
                double up = f.getAsDouble();
                values[i][d] = keep - h;
                double down = f.getAsDouble();
                values[i][d] = keep;
                double numeric = (up - down) / (2 * h);
                maxErr = Math.max(maxErr, Math.abs(numeric - auto[i * values[i].length + d]));
                maxGrad = Math.max(maxGrad, Math.abs(numeric));
            }
        }
        assertTrue(maxGrad > 1e-4, what + ": the check needs a non-trivial gradient, got " + maxGrad);
        assertTrue(maxErr < 1e-6 + 1e-5 * maxGrad, what + ": max |autograd - finite difference| = " + maxErr + " (max "
                + maxGrad + ")");
    }

    @Test
    void proxyAnchorAveragesItsPositiveTermOverProxiesWithPositivesOnly() {
        // Hand-worked, 2-D, α = 1, δ = 0: proxies (1,0), (0,1), (-1,0); the batch holds class 0 only, at (1,0) and
        // (0,1). Positive term: proxy 0 alone, log(1 + e^{-1} + e^{0}). Negative term: over all three proxies,
        // proxy 0 has no negatives (log 1 = 0), proxy 1: log(1 + e^0 + e^1), proxy 2: log(1 + e^{-1} + e^0).
        double pos = Math.log(1 + Math.exp(-1) + 1);
        double neg = (0 + Math.log(1 + 1 + Math.exp(1)) + Math.log(1 + Math.exp(-1) + 1)) / 3;
        double[][] proxies = {{1, 0}, {0, 1}, {-1, 0}};
        double[][] x = {{1, 0}, {0, 1}};
        int[] y = {0, 0};
        assertEquals(pos + neg, Reference.proxyAnchor(x, y, proxies, 1, 0), 1e-12, "the reference is the formula");
        try (NDManager m = manager.newSubManager()) {
            MetricLoss loss = ProxyAnchorLoss.builder().optAlpha(1).optDelta(0).build();
            loss.initialize(m, DataType.FLOAT64, 3, 2, 0);
            loss.parameters().get("proxies").set(new double[] {1, 0, 0, 1, -1, 0});
            assertEquals(pos + neg, evaluate(loss, x, y, DataType.FLOAT64).value(), 1e-12);
        }
    }

    @Test
    void arcFacePastPiMinusMUsesTheFallbackAndCosFaceSubtractsTheMargin() {
        // The embedding at 170° from its class weight: θ + m = 170° + 28.6° > 180°, so the logit is cos θ − m·sin m.
        double t = Math.toRadians(170);
        double[][] x = {{Math.cos(t), Math.sin(t)}, {0, 1}};
        double[][] w = {{1, 0}, {0, 1}};
        int[] y = {0, 1};
        double cos = Math.cos(t);
        double fallback = 64 * (cos - 0.5 * Math.sin(0.5));
        double other = 64 * Math.sin(t); // cos of the angle to (0,1)
        double row0 = Math.log(Math.exp(fallback) + Math.exp(other)) - fallback;
        double own1 = 64 * Math.cos(0.5); // row 1 sits on its weight: θ = 0
        double row1 = Math.log(Math.exp(own1) + Math.exp(0)) - own1;
        try (NDManager m = manager.newSubManager()) {
            Evaluated arc = evaluate(withVectors(Kind.ARCFACE, m, w), x, y, DataType.FLOAT64);
            // Float64 with float32 constants (cos m, sin m as floats): agreement to ~1e-8 relative.
            assertEquals((row0 + row1) / 2, arc.value(), 1e-8 * arc.value());
            for (double g : arc.embeddingGradient()) {
                assertTrue(Double.isFinite(g));
            }
            double cosRow0 = Math.log(Math.exp(64 * (cos - 0.35)) + Math.exp(other)) - 64 * (cos - 0.35);
            double cosRow1 = Math.log(Math.exp(64 * 0.65) + 1) - 64 * 0.65;
            double cosFace = (cosRow0 + cosRow1) / 2;
            assertEquals(cosFace, evaluate(withVectors(Kind.COSFACE, m, w), x, y, DataType.FLOAT64).value(),
                    1e-8 * cosFace);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void allEqualEmbeddingsAndEmbeddingsOnTheirClassVectorGiveFiniteGradients(Kind kind) {
        try (NDManager m = manager.newSubManager()) {
            double[][] w = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
            MetricLoss loss = withVectors(kind, m, w, DataType.FLOAT32);
            double[][] same = {{0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}};
            for (int[] y : new int[][] {{0, 0, 1, 1}, {1, 1, 1, 1}, {2, 0, 1, 2}}) {
                Evaluated e = evaluate(loss, same, y, DataType.FLOAT32);
                assertEquals(kind.reference.apply(same, y, w), e.value(), 1e-4 * Math.max(1, e.value()));
                for (double g : e.embeddingGradient()) {
                    assertTrue(Double.isFinite(g), kind + " embedding gradient, labels " + java.util.Arrays.toString(y));
                }
                for (double g : e.vectorGradient()) {
                    assertTrue(Double.isFinite(g), kind + " vector gradient, labels " + java.util.Arrays.toString(y));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void float32AgreesWithTheReference(Kind kind) {
        Random r = new Random(7 + kind.ordinal());
        double[][] w = LossFamilyTest.roundToFloat(rawVectors(r, 8, 6));
        double[][] x = LossFamilyTest.roundToFloat(LossFamilyTest.unitRows(r, 8, 6));
        int[] y = {5, 0, 3, 1, 4, 2, 6, 7};
        try (NDManager m = manager.newSubManager()) {
            MetricLoss loss = withVectors(kind, m, w, DataType.FLOAT32);
            double expected = kind.reference.apply(x, y, w);
            assertEquals(expected, evaluate(loss, x, y, DataType.FLOAT32).value(), 1e-5 * Math.max(1, expected));
        }
    }

    @Test
    void labelsWithoutAClassVectorAndWrappedBatchesAreRefused() {
        try (NDManager m = manager.newSubManager()) {
            MetricLoss loss = withVectors(Kind.PROXY_ANCHOR, m, new double[][] {{1, 0}, {0, 1}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> evaluate(loss, new double[][] {{1, 0}, {0, 1}}, new int[] {0, 2}, DataType.FLOAT64));
            assertTrue(e.getMessage().contains("labels 0 to 1, but the batch has label 2"), e.getMessage());
            MetricLoss arc = withVectors(Kind.ARCFACE, m, new double[][] {{1, 0}, {0, 1}});
            assertThrows(IllegalArgumentException.class,
                    () -> evaluate(arc, new double[][] {{1, 0}, {0, 1}}, new int[] {-1, 0}, DataType.FLOAT64));
            MetricLoss fresh = ProxyAnchorLoss.builder().build();
            assertTrue(assertThrows(IllegalStateException.class, () -> fresh.compute(LossFamilyTest.array(m,
                    new double[][] {{1, 0}}, DataType.FLOAT32), m.create(new int[] {0}))).getMessage()
                    .contains("initialize the loss"));
        }
        assertThrows(IllegalArgumentException.class, () -> MarginSoftmaxLoss.builder().build());
        assertThrows(IllegalArgumentException.class, () -> MarginSoftmaxLoss.builder()
                .setVariant(MarginSoftmaxLoss.Variant.COSFACE).optMargin(1.5f).build());
        assertThrows(IllegalArgumentException.class, () -> ProxyAnchorLoss.builder().optAlpha(0).build());
    }

    @Test
    void theClassVectorsStartFromTheSeedAndSurviveASaveAndLoad() {
        try (NDManager m = manager.newSubManager()) {
            MetricLoss a = ProxyAnchorLoss.builder().build();
            MetricLoss b = ProxyAnchorLoss.builder().build();
            MetricLoss c = ProxyAnchorLoss.builder().build();
            a.initialize(m, DataType.FLOAT32, 100, 16, 7);
            b.initialize(m, DataType.FLOAT32, 100, 16, 7);
            c.initialize(m, DataType.FLOAT32, 100, 16, 8);
            float[] va = a.parameters().get("proxies").toFloatArray();
            assertArrayEquals(va, b.parameters().get("proxies").toFloatArray(), "same seed, same proxies");
            assertTrue(!java.util.Arrays.equals(va, c.parameters().get("proxies").toFloatArray()), "another seed");
            double sq = 0;
            for (float v : va) {
                sq += v * v;
            }
            assertEquals(2.0 / 100, sq / va.length, 0.2 * 2.0 / 100, "N(0, 2/C)");
            c.loadState(a.saveState());
            assertArrayEquals(va, c.parameters().get("proxies").toFloatArray(), "loaded");
            MetricLoss other = ProxyAnchorLoss.builder().build();
            other.initialize(m, DataType.FLOAT32, 98, 16, 7);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadState(
                    a.saveState()));
            assertTrue(e.getMessage().contains("(100, 16)") && e.getMessage().contains("(98, 16)"), e.getMessage());
        }
    }

    /**
     * Regression test for DJL's scalar use-after-free (see ScalarArrays): a garbage collection between the forward and
     * the backward pass must not change a gradient.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward(Kind kind) throws Exception {
        Random r = new Random(5);
        double[][] w = rawVectors(r, 8, 5);
        double[][] x = LossFamilyTest.unitRows(r, 8, 5);
        int[] y = {4, 0, 0, 1, 4, 2, 2, 0};
        try (NDManager m = manager.newSubManager()) {
            MetricLoss loss = withVectors(kind, m, w, DataType.FLOAT32);
            Evaluated expected = evaluate(loss, x, y, DataType.FLOAT32);
            double[] actual;
            try (NDManager step = manager.newSubManager()) {
                loss.beginStep(step);
                NDArray e = LossFamilyTest.array(step, x, DataType.FLOAT32);
                e.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = loss.compute(e, step.create(y));
                    List<java.nio.ByteBuffer> scribble = new ArrayList<>();
                    for (int round = 0; round < 3; round++) {
                        System.gc();
                        Thread.sleep(20);
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
            for (int i = 0; i < actual.length; i++) {
                assertEquals(expected.embeddingGradient()[i], actual[i], 1e-6 + 1e-5 * Math.abs(actual[i]), "element " + i);
            }
        }
    }
}
