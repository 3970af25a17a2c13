package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.Preprocessing;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {
    @Test
    void valuesAreClippedOnBothSides() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {5f, -5f, 0.01f, -0.05f});
            NDArray b = m.create(new float[] {-0.3f, 0.2f});
            GradientClipping.values(List.of(a, b), 0.1f);
            assertArrayEquals(new float[] {0.1f, -0.1f, 0.01f, -0.05f}, a.toFloatArray());
            assertArrayEquals(new float[] {-0.1f, 0.1f}, b.toFloatArray());
        }
    }

    @Test
    void theGlobalNormIsScaledDownOnlyWhenTooLarge() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 4f});
            NDArray b = m.create(new float[] {12f});
            assertEquals(13.0, GradientClipping.norm(List.of(a, b), 20f), 1e-6, "sqrt(9 + 16 + 144)");
            assertArrayEquals(new float[] {3f, 4f}, a.toFloatArray(), "below the bound: untouched");
            assertEquals(13.0, GradientClipping.norm(List.of(a, b), 6.5f), 1e-6);
            float s = (float) (6.5 / (13 + 1e-6));
            assertArrayEquals(new float[] {3 * s, 4 * s}, a.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {12 * s}, b.toFloatArray(), 1e-6f);
        }
    }

    /**
     * Why simforge clips itself: DJL 0.35.1's optimisers clip with clamp_max only. If this ever fails, DJL clips
     * both sides and its own clipping could be used again.
     */
    @Test
    void djlsOwnClippingLetsNegativeGradientsThrough() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {0f, 0f});
            Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(1f)).optClipGrad(0.1f).build();
            sgd.update("w", w, m.create(new float[] {5f, -5f}));
            assertArrayEquals(new float[] {-0.1f, 5f}, w.toFloatArray(), 1e-6f);
        }
    }

    /** One SGD step at learning rate 1: no weight moves by more than the clip, in either direction. */
    @Test
    void aTrainingStepMovesNoWeightFurtherThanTheClip() {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(40);
        for (boolean byNorm : new boolean[] {false, true}) {
            float bound = 1e-5f;
            TrainConfig.Builder b = RecipeAndResumeTest.small().optIterations(1).optCheckpointEvery(0)
                    .optSchedule(TrainConfig.Schedule.CONSTANT).optHeadLearningRateMultiplier(1).optLearningRate(1f);
            TrainConfig c = (byNorm ? b.optGradientClipNorm(bound) : b.optGradientClip(bound)).build();
            List<float[]> before = new ArrayList<>();
            try (Model fresh = UntrainedNetwork.create(TrainingLoop.architectureFor(c, new int[] {1, 28, 28}), c.seed())) {
                trainable(fresh.getBlock()).forEach(p -> before.add(p.getArray().toFloatArray()));
            }
            try (TrainedModel m = Training.train(c, data, Preprocessing.fashionMnist())) {
                List<Parameter> after = trainable(m.model().getBlock());
                double largest = 0;
                double squares = 0;
                for (int i = 0; i < after.size(); i++) {
                    float[] w = after.get(i).getArray().toFloatArray();
                    for (int j = 0; j < w.length; j++) {
                        double d = w[j] - before.get(i)[j];
                        largest = Math.max(largest, Math.abs(d));
                        squares += d * d;
                    }
                }
                assertTrue(largest > 0, "the step changed the weights");
                double moved = byNorm ? Math.sqrt(squares) : largest;
                // Float rounding of weights near 0.1–1 is ~1e-8 per value; the bound is 1e-5.
                assertTrue(moved <= bound * 1.01 + 1e-7 * (byNorm ? Math.sqrt(after.size()) : 1),
                        (byNorm ? "norm" : "value") + " clip: moved " + moved);
            }
        }
    }

    private static List<Parameter> trainable(ai.djl.nn.Block b) {
        List<Parameter> out = new ArrayList<>();
        b.getParameters().values().forEach(p -> {
            if (p.requiresGradient()) {
                out.add(p);
            }
        });
        return out;
    }
}
