package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.format.FormatException;
import io.simforge.core.model.Preprocessing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeAndResumeTest {
    @TempDir
    Path dir;

    @Test
    void schedulesByHand() {
        TrainConfig c = new TrainConfig();
        c.learningRate = 0.1f;
        c.iterations = 100;
        c.warmupIterations = 10;
        LearningRateSchedule s = new LearningRateSchedule(c, Set.of("head"));
        assertEquals(0.05f, s.at(5), 1e-7, "half-way through warm-up");
        assertEquals(0.1f, s.at(10), 1e-7);
        assertEquals(0.1f, s.at(99), 1e-7, "constant after warm-up");
        c.headLearningRateMultiplier = 10;
        assertEquals(1.0f, s.getNewValue("head", 50), 1e-6);
        assertEquals(0.1f, s.getNewValue("backbone", 50), 1e-7);
        c.warmupIterations = 0;
        c.schedule = "step";
        c.stepSize = 30;
        assertEquals(0.1f, s.at(30), 1e-7);
        assertEquals(0.01f, s.at(31), 1e-8);
        assertEquals(0.001f, s.at(61), 1e-9);
        c.schedule = "multistep";
        c.milestones = new int[] {50, 80};
        assertEquals(0.1f, s.at(50), 1e-7);
        assertEquals(0.01f, s.at(51), 1e-8);
        assertEquals(0.001f, s.at(81), 1e-9);
        c.schedule = "cosine";
        c.minLearningRate = 0.02f;
        assertEquals(0.02f + 0.08f * 0.5 * (1 + Math.cos(Math.PI * 0.01)), s.at(1), 1e-6);
        assertEquals(0.06f, s.at(50), 1e-6, "half-way: the mean of the two ends");
        assertEquals(0.02f, s.at(100), 1e-7);
    }

    @Test
    void badRecipesAreRefusedBeforeTraining() {
        TrainConfig c = new TrainConfig();
        c.optimizer = "lion";
        c.schedule = "exp";
        c.milestones = new int[] {10, 5};
        String msg = assertThrows(IllegalArgumentException.class, c::validate).getMessage();
        assertTrue(msg.contains("optimizer 'lion'") && msg.contains("schedule 'exp'") && msg.contains("milestones"), msg);
    }

    /** A small, fast ConvNet run with plain SGD (no optimiser state). */
    static TrainConfig small() {
        TrainConfig c = new TrainConfig();
        c.widths = new int[] {4, 8};
        c.embeddingSize = 16;
        c.iterations = 24;
        c.batchSize = 20;
        c.samplesPerClass = 4;
        c.checkpointEvery = 8;
        c.optimizer = "sgd";
        c.momentum = 0;
        c.learningRate = 0.05f;
        c.schedule = "cosine";
        c.headLearningRateMultiplier = 2;
        return c;
    }

    /**
     * Killed part-way and resumed, a run ends with the weights of one never interrupted, byte for byte, with every
     * optimiser: the checkpoint keeps Adam's moments and SGD's momentum.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} momentum {1} decay {2}")
    @org.junit.jupiter.params.provider.CsvSource({"sgd,0,0", "sgd,0.9,0", "adam,0,0", "adamw,0,0.05"})
    void aRunKilledPartWayResumesFromItsLastCheckpointToTheSameWeights(String optimizer, float momentum, float decay)
            throws Exception {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(40);
        Preprocessing pre = Preprocessing.fashionMnist();
        java.util.function.Supplier<TrainConfig> config = () -> {
            TrainConfig c = small();
            c.optimizer = optimizer;
            c.momentum = momentum;
            c.weightDecay = decay;
            c.learningRate = optimizer.startsWith("adam") ? 0.01f : 0.05f;
            return c;
        };
        Path straight = dir.resolve("straight");
        try (TrainedModel m = EmbeddingTrainer.train(config.get(), data, pre, null, null, straight, false)) {
            assertEquals(24, m.losses().size());
        }
        Path crashed = dir.resolve("crashed");
        RuntimeException kill = new RuntimeException("killed");
        assertThrows(RuntimeException.class, () -> EmbeddingTrainer.train(config.get(), data, pre, null, (it, total, loss) -> {
            if (it == 19) {
                throw kill;
            }
        }, crashed, false));
        assertEquals(16, Checkpoint.readState(Checkpoint.latest(crashed)).iteration(), "the last checkpoint before it");
        List<Integer> resumedAt = new ArrayList<>();
        TrainConfig resumed = config.get();
        resumed.initFrom = dir.resolve("moved-away.onnx").toString(); // a resumed run starts from its checkpoint
        try (TrainedModel m = EmbeddingTrainer.train(resumed, data, pre, null, (it, total, loss) -> resumedAt.add(it),
                crashed, true)) {
            assertEquals(8, m.losses().size());
        }
        assertEquals(17, resumedAt.get(0), "continues after the checkpoint");
        assertArrayEquals(Files.readAllBytes(Checkpoint.dir(straight).resolve("weights.params")),
                Files.readAllBytes(Checkpoint.dir(crashed).resolve("weights.params")),
                "the same weights as the run that was never interrupted");
        assertThrows(java.io.UncheckedIOException.class, () -> EmbeddingTrainer.train(config.get(), data, pre, null, null,
                dir.resolve("never-trained"), true));
    }

    /** A copy of a golden run folder (written by that checkpoint version, 3 iterations of its config.json). */
    private Path goldenRun(String name) throws Exception {
        Path golden = Path.of("src/test/resources/io/simforge/train/golden", name);
        Path run = dir.resolve(name);
        try (var files = Files.walk(golden)) {
            for (Path f : files.toList()) {
                Path target = run.resolve(golden.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return run;
    }

    /** Trains {@code run} to iteration 5 with its config.json, resuming its checkpoint or from scratch. */
    private static void trainToFive(Path run, boolean resume) throws Exception {
        TrainConfig c = TrainConfig.fromJson(Files.readString(run.resolve("config.json")), "config.json");
        c.iterations = 5;
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4));
        List<Integer> iterations = new ArrayList<>();
        try (TrainedModel m = EmbeddingTrainer.train(c, data, Preprocessing.fashionMnist(), null,
                (it, total, loss) -> iterations.add(it), run, resume)) {
            assertEquals(resume ? List.of(4, 5) : List.of(1, 2, 3, 4, 5), iterations,
                    "a resumed run continues after the golden checkpoint's iteration 3");
        }
        assertEquals(Checkpoint.FORMAT.version(), Checkpoint.readState(Checkpoint.latest(run)).version(), "rewritten as current");
        assertTrue(Files.isRegularFile(Checkpoint.dir(run).resolve(ResumableOptimizer.FILE)));
    }

    /** A version-1 checkpoint (written before the optimiser state was kept) still resumes, moments from zero. */
    @Test
    void aVersionOneCheckpointStillResumes() throws Exception {
        Path run = goldenRun("run-v1");
        assertEquals(1, Checkpoint.readState(Checkpoint.latest(run)).version());
        trainToFive(run, true);
    }

    /**
     * A version-2 checkpoint, its optimizer.state of version 1, resumes exactly: the same weights as a run never
     * interrupted.
     */
    @Test
    void aVersionTwoCheckpointResumesExactly() throws Exception {
        Path run = goldenRun("run-v2");
        assertEquals(2, Checkpoint.readState(Checkpoint.latest(run)).version());
        trainToFive(run, true);
        Path straight = dir.resolve("straight");
        Files.createDirectories(straight);
        Files.copy(run.resolve("config.json"), straight.resolve("config.json"));
        trainToFive(straight, false);
        assertArrayEquals(Files.readAllBytes(Checkpoint.dir(straight).resolve("weights.params")),
                Files.readAllBytes(Checkpoint.dir(run).resolve("weights.params")), "Adam's moments were restored");
    }

    @Test
    void newerAndForeignCheckpointsAreRefused() throws Exception {
        Path run = goldenRun("run-v2");
        Path state = Checkpoint.dir(run).resolve("state.json");
        String v2 = Files.readString(state);
        Files.writeString(state, v2.replace("\"version\": 2", "\"version\": 4"));
        FormatException e = assertThrows(FormatException.class, () -> Checkpoint.readState(Checkpoint.dir(run)));
        assertEquals(state + " is a simforge checkpoint file of version 4, newer than this simforge reads (up to 3): "
                + "upgrade simforge", e.getMessage());
        Files.writeString(state, v2.replace("simforge-checkpoint", "simforge-saved-model"));
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(FormatException.class, () -> Checkpoint.readState(Checkpoint.dir(run))).problem());
    }

    /** The shipped recipes parse and validate (the build runs tests from the module folder). */
    @Test
    void theShippedRecipesAreValid() throws Exception {
        for (String name : new String[] {"ms-paper.json", "ee-paper.json"}) {
            Path file = Path.of("..", "configs", name);
            TrainConfig c = TrainConfig.fromJson(Files.readString(file), file.toString()).validate();
            assertEquals(512, c.embeddingSize);
            assertEquals("resnet50", c.architecture);
        }
    }

    @Test
    void aGpuRequestWithoutAUsableGpuTrainsOnTheCpu() {
        TrainConfig c = small();
        c.device = "gpu:0";
        c.iterations = 2;
        c.checkpointEvery = 0;
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(20);
        try (TrainedModel m = EmbeddingTrainer.train(c, data, Preprocessing.fashionMnist(), null)) {
            assertEquals(ai.djl.Device.cpu(), m.model().getNDManager().getDevice());
        }
        c.device = "gpu:0,1"; // several GPUs asked for, none usable: the CPU, as one device
        try (TrainedModel m = EmbeddingTrainer.train(c, data, Preprocessing.fashionMnist(), null)) {
            assertEquals(ai.djl.Device.cpu(), m.model().getNDManager().getDevice());
        }
        assertEquals(1, EmbeddingTrainer.devices("gpu:all").length);
        c.device = "tpu";
        assertThrows(IllegalArgumentException.class, c::validate);
        c.device = "gpu:1,1";
        assertTrue(assertThrows(IllegalArgumentException.class, c::validate).getMessage().contains("names a GPU twice"));
    }

    @Test
    void earlyStoppingKeepsTheBestWeightsAndInitFromStartsFromASavedModel() throws Exception {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(40);
        ImageDataset val = FashionMnist.bundledTestSplit().withClasses(List.of(5, 6, 7)).firstPerClass(15);
        Preprocessing pre = Preprocessing.fashionMnist();
        TrainConfig c = small();
        c.iterations = 40;
        c.earlyStopPatience = 1;
        c.learningRate = 0.5f; // noisy on purpose, so a validation soon fails to improve
        Path run = dir.resolve("early");
        try (TrainedModel m = EmbeddingTrainer.train(c, data, pre, EmbeddingTrainer.Validation.of(val, pre, 4), null, run,
                false)) {
            assertEquals(m.lastIteration(), m.losses().size());
            assertTrue(m.bestIteration() >= 4 && m.bestIteration() <= m.lastIteration());
            assertEquals(m.bestIteration(), Checkpoint.readState(Checkpoint.bestDir(run)).iteration());
            if (m.lastIteration() < 40) {
                assertEquals(m.lastIteration(), Checkpoint.readState(Checkpoint.latest(run)).iteration(),
                        "an early stop leaves a checkpoint where it stopped");
            }
            io.simforge.models.SavedModel.save(dir.resolve("saved"), m.model().getBlock(),
                    new io.simforge.models.SavedModel.Description(io.simforge.models.SavedModel.FORMAT_VERSION,
                            m.architecture(), pre, "{}"));
        }
        float[] saved;
        try (ai.djl.Model m = io.simforge.models.SavedModel.load(dir.resolve("saved"))) {
            saved = firstConvWeights(m.getBlock());
        }
        TrainConfig next = small();
        next.initFrom = dir.resolve("saved").toString();
        next.iterations = 1;
        next.learningRate = 1e-12f; // one step that changes nothing measurable
        next.checkpointEvery = 0;
        try (TrainedModel m = EmbeddingTrainer.train(next, data, pre, null)) {
            // (BatchNorm's running statistics do move in that step, so compare the learned weights themselves.)
            assertArrayEquals(saved, firstConvWeights(m.model().getBlock()), 1e-6f, "starts from the saved weights");
        }
        next.widths = new int[] {8, 8};
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingTrainer.train(next, data, pre, null));
        assertTrue(wrong.getMessage().contains("same architecture"), wrong.getMessage());
    }

    private static float[] firstConvWeights(ai.djl.nn.Block block) {
        ai.djl.nn.Block conv = ((ai.djl.nn.SequentialBlock) block).getChildren().get(0).getValue();
        return conv.getParameters().get("weight").getArray().toFloatArray();
    }

    @Test
    void theHeadIsTheLastLinearLayer() {
        var arch = EmbeddingTrainer.architectureFor(small(), FashionMnist.bundledTestSplit());
        var block = arch.build();
        Set<String> head = EmbeddingTrainer.headParameterIds(block);
        assertEquals(2, head.size(), "weight and bias");
    }
}
