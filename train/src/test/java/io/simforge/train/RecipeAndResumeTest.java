package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.device.DeviceSpec;
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
        TrainConfig.Builder c = TrainConfig.builder().optLearningRate(0.1f).optIterations(100).optWarmupIterations(10);
        LearningRateSchedule s = new LearningRateSchedule(c.build(), Set.of("head"));
        assertEquals(0.05f, s.at(5), 1e-7, "half-way through warm-up");
        assertEquals(0.1f, s.at(10), 1e-7);
        assertEquals(0.1f, s.at(99), 1e-7, "constant after warm-up");
        s = new LearningRateSchedule(c.optHeadLearningRateMultiplier(10).build(), Set.of("head"));
        assertEquals(1.0f, s.getNewValue("head", 50), 1e-6);
        assertEquals(0.1f, s.getNewValue("backbone", 50), 1e-7);
        c.optWarmupIterations(0);
        s = new LearningRateSchedule(c.optSchedule(TrainConfig.Schedule.STEP).optStepSize(30).build(), Set.of());
        assertEquals(0.1f, s.at(30), 1e-7);
        assertEquals(0.01f, s.at(31), 1e-8);
        assertEquals(0.001f, s.at(61), 1e-9);
        s = new LearningRateSchedule(c.optSchedule(TrainConfig.Schedule.MULTISTEP).optMilestones(50, 80).build(), Set.of());
        assertEquals(0.1f, s.at(50), 1e-7);
        assertEquals(0.01f, s.at(51), 1e-8);
        assertEquals(0.001f, s.at(81), 1e-9);
        s = new LearningRateSchedule(c.optSchedule(TrainConfig.Schedule.COSINE).optMinLearningRate(0.02f).build(),
                Set.of());
        assertEquals(0.02f + 0.08f * 0.5 * (1 + Math.cos(Math.PI * 0.01)), s.at(1), 1e-6);
        assertEquals(0.06f, s.at(50), 1e-6, "half-way: the mean of the two ends");
        assertEquals(0.02f, s.at(100), 1e-7);
    }

    @Test
    void badRecipesAreRefusedBeforeTraining() {
        String msg = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(
                "{\"optimizer\": \"lion\", \"schedule\": \"exp\", \"milestones\": [10, 5]}", "recipe.json"))
                .getMessage();
        assertTrue(msg.contains("optimizer 'lion'") && msg.contains("schedule 'exp'") && msg.contains("milestones"), msg);
    }

    /** A small, fast ConvNet run with plain SGD (no optimiser state). */
    static TrainConfig.Builder small() {
        return TrainConfig.builder().optWidths(4, 8).optEmbeddingSize(16).optIterations(24).optBatch(5, 4)
                .optCheckpointEvery(8).optOptimizer(TrainConfig.Optimizer.SGD).optMomentum(0).optLearningRate(0.05f)
                .optSchedule(TrainConfig.Schedule.COSINE).optHeadLearningRateMultiplier(2);
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
        java.util.function.Supplier<TrainConfig.Builder> config = () -> small()
                .optOptimizer(TrainConfig.Optimizer.valueOf(optimizer.toUpperCase(java.util.Locale.ROOT)))
                .optMomentum(momentum).optWeightDecay(decay).optLearningRate(optimizer.startsWith("adam") ? 0.01f : 0.05f);
        Path straight = dir.resolve("straight");
        try (TrainedModel m = Training.train(config.get().build(), data, pre, null, null, straight, false)) {
            assertEquals(24, m.losses().size());
        }
        Path crashed = dir.resolve("crashed");
        RuntimeException kill = new RuntimeException("killed");
        assertThrows(RuntimeException.class, () -> Training.train(config.get().build(), data, pre, null,
                TrainingListener.everyIteration((it, total, loss) -> {
                    if (it == 19) {
                        throw kill;
                    }
                }), crashed, false));
        assertEquals(16, Checkpoint.readState(Checkpoint.latest(crashed)).iteration(), "the last checkpoint before it");
        List<Integer> resumedAt = new ArrayList<>();
        // A resumed run starts from its checkpoint, whatever became of the file it was initialised from.
        TrainConfig resumed = config.get().optInitFrom(dir.resolve("moved-away.onnx").toString()).build();
        try (TrainedModel m = Training.train(resumed, data, pre, null,
                TrainingListener.everyIteration((it, total, loss) -> resumedAt.add(it)), crashed, true)) {
            assertEquals(8, m.losses().size());
        }
        assertEquals(17, resumedAt.get(0), "continues after the checkpoint");
        assertArrayEquals(Files.readAllBytes(Checkpoint.dir(straight).resolve("weights.params")),
                Files.readAllBytes(Checkpoint.dir(crashed).resolve("weights.params")),
                "the same weights as the run that was never interrupted");
        assertThrows(java.io.UncheckedIOException.class, () -> Training.train(config.get().build(), data, pre, null, null,
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
        TrainConfig c = TrainConfig.fromJson(Files.readString(run.resolve("config.json")), "config.json").toBuilder()
                .optIterations(5).build();
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4));
        List<Integer> iterations = new ArrayList<>();
        try (TrainedModel m = Training.train(c, data, Preprocessing.fashionMnist(), null,
                TrainingListener.everyIteration((it, total, loss) -> iterations.add(it)), run, resume)) {
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
            TrainConfig c = TrainConfig.fromJson(Files.readString(file), file.toString());
            assertEquals(512, c.embeddingSize());
            assertEquals(io.simforge.models.Architecture.Kind.RESNET50, c.architecture());
        }
        try (var files = Files.list(Path.of("..", "configs"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                TrainConfig c = TrainConfig.fromJson(Files.readString(file), file.toString());
                assertTrue(Files.readString(file).contains("\"version\": 2"), file + " is a current recipe");
                assertTrue(c.batchSize() >= 2 * c.samplesPerClass(), file.toString());
            }
        }
    }

    @Test
    void aGpuRequestWithoutAUsableGpuTrainsOnTheCpu() {
        TrainConfig.Builder c = small().optDevice(DeviceSpec.parse("cuda:0")).optIterations(2).optCheckpointEvery(0);
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(20);
        try (TrainedModel m = Training.train(c.build(), data, Preprocessing.fashionMnist())) {
            assertEquals(ai.djl.Device.cpu(), m.model().getNDManager().getDevice());
        }
        // several GPUs asked for (in the older spelling), none usable: the CPU, as one device
        try (TrainedModel m = Training.train(c.optDevice(DeviceSpec.parse("gpu:0,1")).build(), data,
                Preprocessing.fashionMnist())) {
            assertEquals(ai.djl.Device.cpu(), m.model().getNDManager().getDevice());
        }
        assertEquals(1, Devices.of(DeviceSpec.parse("cuda:all")).length);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("{\"device\": \"tpu\"}",
                "c.json")).getMessage().contains("device 'tpu' is not understood"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("cuda:1,1")).getMessage()
                .contains("names a GPU twice"));
    }

    @Test
    void earlyStoppingKeepsTheBestWeightsAndInitFromStartsFromASavedModel() throws Exception {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(40);
        ImageDataset val = FashionMnist.bundledTestSplit().withClasses(List.of(5, 6, 7)).firstPerClass(15);
        Preprocessing pre = Preprocessing.fashionMnist();
        // A high learning rate on purpose: noisy, so a validation soon fails to improve.
        TrainConfig c = small().optIterations(40).optEarlyStopPatience(1).optLearningRate(0.5f).build();
        Path run = dir.resolve("early");
        try (TrainedModel m = Training.train(c, data, pre, Training.validation(val, pre, 4), null, run, false)) {
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
        // One step that changes nothing measurable.
        TrainConfig.Builder next = small().optInitFrom(dir.resolve("saved").toString()).optIterations(1)
                .optLearningRate(1e-12f).optCheckpointEvery(0);
        try (TrainedModel m = Training.train(next.build(), data, pre)) {
            // (BatchNorm's running statistics do move in that step, so compare the learned weights themselves.)
            assertArrayEquals(saved, firstConvWeights(m.model().getBlock()), 1e-6f, "starts from the saved weights");
        }
        TrainConfig other = next.optWidths(8, 8).build();
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> Training.train(other, data, pre));
        assertTrue(wrong.getMessage().contains("same architecture"), wrong.getMessage());
    }

    private static float[] firstConvWeights(ai.djl.nn.Block block) {
        ai.djl.nn.Block conv = ((ai.djl.nn.SequentialBlock) block).getChildren().get(0).getValue();
        return conv.getParameters().get("weight").getArray().toFloatArray();
    }

    @Test
    void theHeadIsTheLastLinearLayer() {
        var arch = TrainingLoop.architectureFor(small().build(), new int[] {1, 28, 28});
        var block = arch.build();
        Set<String> head = TrainingLoop.headParameterIds(block);
        assertEquals(2, head.size(), "weight and bias");
    }
}
