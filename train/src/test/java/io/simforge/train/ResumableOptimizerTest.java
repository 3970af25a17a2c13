package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResumableOptimizerTest {
    private static ResumableOptimizer ours(String kind, float momentum, float decay, int done) {
        ResumableOptimizer.Kind k = ResumableOptimizer.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
        return ResumableOptimizer.builder(k, Tracker.fixed(0.01f), done).optMomentum(momentum).optWeightDecays(decay)
                .build();
    }

    private static Optimizer djls(String kind, float momentum, float decay) {
        return switch (kind) {
            case "sgd" -> Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).optMomentum(momentum)
                    .optWeightDecays(decay).build();
            case "adamw" -> Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(decay).build();
            default -> Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(decay).build();
        };
    }

    private static List<float[]> gradients(NDManager m, int steps) {
        Engine.getInstance().setRandomSeed(11);
        List<float[]> g = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            g.add(m.randomNormal(new Shape(3, 5)).toFloatArray());
        }
        return g;
    }

    /** The same updates as DJL's own optimiser, value for value: simforge only keeps the state where it can save it. */
    @ParameterizedTest(name = "{0} momentum {1} decay {2}")
    @CsvSource({"adam,0,0", "adam,0,0.01", "adamw,0,0.05", "sgd,0,0", "sgd,0.9,0.01"})
    void updatesExactlyAsDjlDoesAndResumesFromItsSavedState(String kind, float momentum, float decay) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            List<float[]> grads = gradients(m, 6);
            float[] start = m.randomNormal(new Shape(3, 5)).toFloatArray();
            NDArray a = m.create(start, new Shape(3, 5));
            NDArray b = m.create(start, new Shape(3, 5));
            Optimizer reference = djls(kind, momentum, decay);
            ResumableOptimizer whole = ours(kind, momentum, decay, 0);
            for (float[] g : grads) {
                reference.update("w", a, m.create(g, new Shape(3, 5)));
                whole.update("w", b, m.create(g, new Shape(3, 5)));
            }
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "as DJL's " + kind);

            // Interrupted after 3 updates: state saved, a new optimiser (counting from 3) loads it and goes on.
            NDArray c = m.create(start, new Shape(3, 5));
            ResumableOptimizer first = ours(kind, momentum, decay, 0);
            for (int i = 0; i < 3; i++) {
                first.update("w", c, m.create(grads.get(i), new Shape(3, 5)));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            first.save(new DataOutputStream(bytes));
            ResumableOptimizer resumed = ours(kind, momentum, decay, 3);
            resumed.load(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), "test");
            for (int i = 3; i < grads.size(); i++) {
                resumed.update("w", c, m.create(grads.get(i), new Shape(3, 5)));
            }
            assertArrayEquals(b.toFloatArray(), c.toFloatArray(), "resumed = uninterrupted");

            if (kind.startsWith("adam") || momentum != 0) {
                ResumableOptimizer other = ours(kind.equals("sgd") ? "adam" : "sgd", 0.9f, 0, 3);
                IOException wrong = assertThrows(IOException.class,
                        () -> other.load(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), "test"));
                assertTrue(wrong.getMessage().contains("but the run uses"), wrong.getMessage());
                byte[] half = java.util.Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2);
                assertThrows(java.io.EOFException.class, () -> ours(kind, momentum, decay, 3)
                        .load(new DataInputStream(new ByteArrayInputStream(half)), "test"));
            }
        }
    }
}
