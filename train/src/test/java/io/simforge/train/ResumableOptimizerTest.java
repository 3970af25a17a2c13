package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.simforge.core.format.FormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResumableOptimizerTest {
    @TempDir
    Path dir;

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
            Path saved = dir.resolve(ResumableOptimizer.FILE);
            first.save(saved);
            ResumableOptimizer resumed = ours(kind, momentum, decay, 3);
            resumed.load(saved);
            for (int i = 3; i < grads.size(); i++) {
                resumed.update("w", c, m.create(grads.get(i), new Shape(3, 5)));
            }
            assertArrayEquals(b.toFloatArray(), c.toFloatArray(), "resumed = uninterrupted");

            if (kind.startsWith("adam") || momentum != 0) {
                ResumableOptimizer other = ours(kind.equals("sgd") ? "adam" : "sgd", 0.9f, 0, 3);
                IOException wrong = assertThrows(IOException.class, () -> other.load(saved));
                assertTrue(wrong.getMessage().contains("but the run uses"), wrong.getMessage());
                byte[] bytes = Files.readAllBytes(saved);
                Path half = Files.write(dir.resolve("half.state"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
                assertEquals(FormatException.Problem.DAMAGED,
                        assertThrows(FormatException.class, () -> ours(kind, momentum, decay, 3).load(half)).problem());
            }
        }
    }

    /** optimizer.state of version 1 (a golden file: Adam after 3 iterations of the golden run) still loads. */
    @org.junit.jupiter.api.Test
    void version1StateLoadsAndIsSavedAgainAsTheCurrentVersion() throws Exception {
        ResumableOptimizer adam = ours("adam", 0, 0, 3);
        adam.load(GOLDEN_V1);
        Path current = dir.resolve("current.state");
        adam.save(current);
        ResumableOptimizer again = ours("adam", 0, 0, 3);
        again.load(current);
        Path twice = dir.resolve("twice.state");
        again.save(twice);
        assertArrayEquals(Files.readAllBytes(current), Files.readAllBytes(twice), "the same buffers, by name");
        assertTrue(Files.size(current) > Files.size(GOLDEN_V1), "version 2 adds the header and footer");
    }

    private static final Path GOLDEN_V1 = Path.of("src/test/resources/io/simforge/train/golden/run-v2/checkpoint",
            ResumableOptimizer.FILE);

    @org.junit.jupiter.api.Test
    void newerForeignAndDamagedStatesAreRefusedNamingTheFile() throws Exception {
        Path current = dir.resolve("current.state");
        try (NDManager m = NDManager.newBaseManager()) {
            ResumableOptimizer adam = ours("adam", 0, 0, 0);
            NDArray w = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            adam.update("w", w, m.create(new float[] {0.5f, -1, 0.25f, 2}, new Shape(2, 2)));
            adam.save(current);
        }
        byte[] good = Files.readAllBytes(current);
        Path bad = dir.resolve("bad.state");

        byte[] newer = good.clone();
        newer[4 + 4 + ResumableOptimizer.FORMAT.name().length() + 3] = 3;
        Files.write(bad, newer);
        assertEquals(bad + " is a simforge optimizer state file of version 3, newer than this simforge reads (up to 2): "
                + "upgrade simforge", assertThrows(FormatException.class, () -> ours("adam", 0, 0, 1).load(bad)).getMessage());
        Files.writeString(bad, "{\"format\": \"simforge-checkpoint\"}");
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(FormatException.class, () -> ours("adam", 0, 0, 1).load(bad)).problem());

        // Version 2 has a checksum: every flipped bit and every truncation is refused, naming the file.
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] flipped = good.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(bad, flipped);
            FormatException e = assertThrows(FormatException.class, () -> ours("adam", 0, 0, 1).load(bad), "bit " + bit);
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        for (int length = 0; length < good.length; length++) {
            Files.write(bad, java.util.Arrays.copyOf(good, length));
            FormatException e = assertThrows(FormatException.class, () -> ours("adam", 0, 0, 1).load(bad), length + " bytes");
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        // Version 1 has none: a flipped bit goes unnoticed or is an IOException naming the file, never anything worse.
        byte[] old = Files.readAllBytes(GOLDEN_V1);
        for (int i = 0; i < old.length; i += 3) {
            byte[] flipped = old.clone();
            flipped[i] ^= (byte) (1 << (i % 8));
            Files.write(bad, flipped);
            try {
                ours("adam", 0, 0, 3).load(bad);
            } catch (IOException e) {
                assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
            }
        }
    }
}
