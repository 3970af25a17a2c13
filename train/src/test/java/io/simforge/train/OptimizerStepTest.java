package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import io.simforge.models.Architecture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link TrainingLoop#update}, the one-device optimiser step, against DJL's own {@code Trainer.step()}. */
class OptimizerStepTest {
    private static final int STEPS = 4;

    /**
     * The same weights after every step, bit for bit, for a ConvNet with BatchNorm (whose running statistics are
     * parameters that take no update): each trainable parameter updated once per step, and its gradient cleared so
     * that the next backward pass does not add to it.
     */
    @ParameterizedTest
    @EnumSource(ResumableOptimizer.Kind.class)
    void updatesEveryWeightAsTrainerStepDoes(ResumableOptimizer.Kind kind) {
        List<List<float[]>> viaTrainer = train(kind, false);
        List<List<float[]>> direct = train(kind, true);
        assertEquals(STEPS + 1, direct.size());
        for (int step = 0; step <= STEPS; step++) {
            List<float[]> expected = viaTrainer.get(step);
            List<float[]> actual = direct.get(step);
            assertEquals(expected.size(), actual.size());
            for (int p = 0; p < expected.size(); p++) {
                assertArrayEquals(expected.get(p), actual.get(p), 0f, kind + ", step " + step + ", parameter " + p);
            }
        }
        // The steps did move the weights (the comparison above is not of untouched arrays).
        assertNotEquals(java.util.Arrays.toString(direct.get(0).get(0)), java.util.Arrays.toString(direct.get(STEPS).get(0)));
    }

    /** Every parameter's values at the start and after each of {@link #STEPS} steps of a fixed batch. */
    private static List<List<float[]>> train(ResumableOptimizer.Kind kind, boolean direct) {
        Architecture a = Architecture.convNet(3, 8, 8, 16, 4, 8);
        List<List<float[]>> out = new ArrayList<>();
        try (Model model = Model.newInstance("step", ai.djl.Device.cpu())) {
            model.setBlock(a.build());
            ResumableOptimizer optimizer = ResumableOptimizer.builder(kind, Tracker.fixed(0.01f), 0)
                    .optMomentum(kind == ResumableOptimizer.Kind.SGD ? 0.9f : 0).optWeightDecays(1e-3f).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer)
                    .optInitializer(TrainingLoop.weightInitializer(), Parameter.Type.WEIGHT);
            try (Trainer trainer = model.newTrainer(config)) {
                Engine.getInstance().setRandomSeed(5);
                trainer.initialize(new Shape(6, 3, 8, 8));
                NDArray x = trainer.getManager().randomNormal(new Shape(6, 3, 8, 8));
                NDArray target = trainer.getManager().randomNormal(new Shape(6, 16));
                out.add(weights(model));
                for (int step = 0; step < STEPS; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray e = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(e.mul(target).sum());
                    }
                    if (direct) {
                        TrainingLoop.update(model.getBlock(), optimizer);
                    } else {
                        trainer.step();
                    }
                    out.add(weights(model));
                }
            }
        }
        return out;
    }

    private static List<float[]> weights(Model model) {
        List<float[]> w = new ArrayList<>();
        for (Parameter p : model.getBlock().getParameters().values()) {
            w.add(p.getArray().toFloatArray());
        }
        return w;
    }
}
