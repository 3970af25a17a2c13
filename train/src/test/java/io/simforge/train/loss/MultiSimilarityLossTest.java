package io.simforge.train.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks {@link MultiSimilarityLoss} against a reference written here with plain double loops straight
 * from methods.md §1, and its gradient against central finite differences of that reference.
 */
class MultiSimilarityLossTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** The loss from the formulas, one anchor at a time, in double precision ({@link Reference#ms}). */
    static double reference(double[][] x, int[] y, double alpha, double beta, double lambda, double eps, boolean mining) {
        return Reference.ms(new Reference.Batch(x, y, 1), alpha, beta, lambda, eps, mining);
    }

    private static double[][] randomUnitRows(Random r, int m, int d) {
        return LossFamilyTest.unitRows(r, m, d);
    }

    private static NDArray array(double[][] x) {
        return LossFamilyTest.array(manager, x, ai.djl.ndarray.types.DataType.FLOAT32);
    }

    private static double[][] asFloats(double[][] x) {
        return LossFamilyTest.roundToFloat(x);
    }

    private static int[] pkLabels(int p, int k) {
        int[] y = new int[p * k];
        for (int i = 0; i < y.length; i++) {
            y[i] = i / k;
        }
        return y;
    }

    private static float value(MultiSimilarityLoss loss, double[][] x, int[] y) {
        try (NDManager step = manager.newSubManager()) {
            NDArray e = array(x);
            e.attach(step);
            NDArray l = loss.compute(e, step.create(y));
            return l.getFloat();
        }
    }

    @ParameterizedTest(name = "alpha={0} beta={1} lambda={2} eps={3} mining={4}")
    @CsvSource({"2,40,0.5,0.1,true", "2,40,0.5,0.1,false", "2,50,1.0,0.1,true", "2,50,0.5,0.1,true",
            "1,10,0.3,0.05,true", "3,60,0.7,0.2,false"})
    void matchesTheDoubleLoopReference(float alpha, float beta, float lambda, float eps, boolean mining) {
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().optAlpha(alpha).optBeta(beta).optLambda(lambda)
                .optEpsilon(eps).optMining(mining).build();
        Random r = new Random(7);
        for (int trial = 0; trial < 5; trial++) {
            int p = 2 + r.nextInt(4);
            int k = 2 + r.nextInt(4);
            double[][] x = asFloats(randomUnitRows(r, p * k, 8));
            // Shuffle labels so the code cannot rely on the P×K order.
            int[] y = pkLabels(p, k);
            for (int i = y.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = y[i];
                y[i] = y[j];
                y[j] = t;
            }
            double expected = reference(x, y, alpha, beta, lambda, eps, mining);
            double actual = value(loss, x, y);
            assertEquals(expected, actual, 1e-5 * Math.abs(expected) + 1e-6, "trial " + trial);
        }
    }

    @Test
    void aHandWorkedBatch() {
        // Two classes, two items each, in 2-D. x0=(1,0), x1=(0.6,0.8) class 0; x2=(0.8,0.6), x3=(0,1) class 1.
        double[][] x = {{1, 0}, {0.6, 0.8}, {0.8, 0.6}, {0, 1}};
        int[] y = {0, 0, 1, 1};
        // Anchor 0: S01 = 0.6, negatives S02 = 0.8, S03 = 0. Mining: keep neg k if S+0.1 > 0.6 -> only x2;
        // keep pos if 0.6-0.1 < 0.8 -> x1. L0 = 1/2 log(1+e^{-2(0.1)}) + 1/40 log(1+e^{40(0.3)}).
        double l0 = Math.log1p(Math.exp(-0.2)) / 2 + Math.log1p(Math.exp(12)) / 40;
        // Anchor 1: S10 = 0.6, negatives S12 = 0.96, S13 = 0.8: both kept; positive kept (0.5 < 0.96).
        double l1 = Math.log1p(Math.exp(-0.2)) / 2 + Math.log1p(Math.exp(40 * 0.46) + Math.exp(40 * 0.3)) / 40;
        // By symmetry anchors 3 and 2 mirror anchors 0 and 1.
        double expected = (2 * l0 + 2 * l1) / 4;
        assertEquals(expected, reference(x, y, 2, 40, 0.5, 0.1, true), 1e-12);
        assertEquals(expected, value(MultiSimilarityLoss.builder().build(), x, y), 1e-5 * expected);
    }

    @ParameterizedTest(name = "mining={0}")
    @CsvSource({"true", "false"})
    void gradientMatchesFiniteDifferences(boolean mining) {
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().optMining(mining).optBeta(10).build();
        Random r = new Random(11);
        double[][] x = asFloats(randomUnitRows(r, 12, 6));
        int[] y = pkLabels(3, 4);
        float[] grad;
        try (NDManager step = manager.newSubManager()) {
            NDArray e = array(x);
            e.attach(step);
            e.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss.compute(e, step.create(y)));
            }
            grad = e.getGradient().toFloatArray();
        }
        double h = 1e-6;
        double maxErr = 0;
        double maxGrad = 0;
        for (int i = 0; i < x.length; i++) {
            for (int d = 0; d < x[i].length; d++) {
                double keep = x[i][d];
                x[i][d] = keep + h;
                double up = reference(x, y, 2, 10, 0.5, 0.1, mining);
                x[i][d] = keep - h;
                double down = reference(x, y, 2, 10, 0.5, 0.1, mining);
                x[i][d] = keep;
                double numeric = (up - down) / (2 * h);
                maxErr = Math.max(maxErr, Math.abs(numeric - grad[i * x[i].length + d]));
                maxGrad = Math.max(maxGrad, Math.abs(numeric));
            }
        }
        assertTrue(maxGrad > 1e-3, "the check needs a non-trivial gradient");
        assertTrue(maxErr < 1e-4 + 1e-3 * maxGrad, "max |autograd - finite difference| = " + maxErr);
    }

    @Test
    void degenerateBatchesGiveZeroAndAFiniteGradient() {
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().optBeta(50).build();
        double[][] same = {{1, 0}, {1, 0}, {-1, 0}, {-1, 0}};
        int[][] labelings = {{0, 0, 0, 0}, {0, 1, 2, 3}};
        for (int[] y : labelings) {
            assertGradientFinite(loss, same, y, 0.0);
        }
        assertGradientFinite(loss, new double[][] {{0.6, 0.8}}, new int[] {3}, 0.0);
        // beta = 50 with similarities at +1 and -1: large exponents, finite result.
        double[][] extreme = {{1, 0}, {-1, 0}, {1, 0}, {-1, 0}};
        int[] y = {0, 0, 1, 1};
        double expected = reference(extreme, y, 2, 50, 0.5, 0.1, true);
        assertTrue(expected > 0);
        assertGradientFinite(loss, extreme, y, expected);
        assertGradientFinite(MultiSimilarityLoss.builder().optBeta(50).optMining(false).build(), extreme, y,
                reference(extreme, y, 2, 50, 0.5, 0.1, false));
    }

    private static void assertGradientFinite(MultiSimilarityLoss loss, double[][] x, int[] y, double expected) {
        try (NDManager step = manager.newSubManager()) {
            NDArray e = array(x);
            e.attach(step);
            e.setRequiresGradient(true);
            float value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(e, step.create(y));
                value = l.getFloat();
                gc.backward(l);
            }
            assertEquals(expected, value, 1e-5 * Math.abs(expected) + 1e-6);
            for (float g : e.getGradient().toFloatArray()) {
                assertTrue(Float.isFinite(g), "gradient must be finite");
            }
        }
    }
}
