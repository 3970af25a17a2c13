package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.train.loss.LossState;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Training with losses that keep arrays of their own (proxies, class weights, the cross-batch memory): they are
 * optimised at their own learning rate, kept in checkpoints, resumed bit for bit, and never part of the network.
 */
class LossStateTrainingTest {
    @TempDir
    Path dir;

    private static final ImageDataset DATA = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4))
            .firstPerClass(40);
    private static final Preprocessing PRE = Preprocessing.fashionMnist();

    /** A small ConvNet run with Adam and a checkpoint every 8 of 16 iterations. */
    private static TrainConfig.Builder small(String loss, int xbm, boolean ee) {
        return RecipeAndResumeTest.small().optIterations(16).optOptimizer(TrainConfig.Optimizer.ADAM).optLearningRate(0.01f)
                .optLoss(LossKind.parse(loss)).optXbmSize(xbm).optXbmWarmupIterations(xbm > 0 ? 3 : 0)
                .optEmbeddingExpansion(ee).optLossLearningRateMultiplier(10);
    }

    /**
     * Killed part-way and resumed, a run ends where one never interrupted ends, byte for byte: the network's weights,
     * the loss's arrays (the memory of 64 rows wrapped around several times by then; the proxies) and their optimiser.
     */
    @ParameterizedTest(name = "{0} xbm {1} ee {2}")
    @CsvSource({"ms,64,false", "contrastive,50,true", "proxy-anchor,0,false"})
    void aRunKilledPartWayResumesItsLossStateBitForBit(String loss, int xbm, boolean ee) throws Exception {
        Path straight = dir.resolve("straight");
        try (TrainedModel m = Training.train(small(loss, xbm, ee).build(), DATA, PRE, null, null, straight, false)) {
            assertEquals(16, m.losses().size());
        }
        Path crashed = dir.resolve("crashed");
        RuntimeException kill = new RuntimeException("killed");
        assertThrows(RuntimeException.class, () -> Training.train(small(loss, xbm, ee).build(), DATA, PRE, null,
                TrainingListener.everyIteration((it, total, l) -> {
                    if (it == 11) {
                        throw kill;
                    }
                }), crashed, false));
        Path checkpoint = Checkpoint.latest(crashed);
        assertEquals(8, Checkpoint.readState(checkpoint).iteration());
        assertTrue(Files.isRegularFile(checkpoint.resolve(Checkpoint.LOSS_STATE)));
        assertEquals(xbm == 0, Files.isRegularFile(checkpoint.resolve(Checkpoint.LOSS_OPTIMIZER)),
                "an optimiser state for trained arrays only");
        try (TrainedModel m = Training.train(small(loss, xbm, ee).build(), DATA, PRE, null, null, crashed, true)) {
            assertEquals(8, m.losses().size());
        }
        for (String file : new String[] {"weights.params", Checkpoint.LOSS_STATE, Checkpoint.LOSS_OPTIMIZER}) {
            Path a = Checkpoint.dir(straight).resolve(file);
            Path b = Checkpoint.dir(crashed).resolve(file);
            assertEquals(Files.exists(a), Files.exists(b), file);
            if (Files.exists(a)) {
                assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), file + " as if never interrupted");
            }
        }
        LossState state = LossState.read(Checkpoint.dir(straight).resolve(Checkpoint.LOSS_STATE));
        if (xbm > 0) {
            // 13 remembered batches of 20 (iterations 4-16) in a ring of `xbm`: full, its head where the rule says.
            assertArrayEquals(new int[] {(13 * 20) % xbm, xbm}, state.ints("xbm.position"));
        } else {
            assertEquals(1, state.names().size());
        }
    }

    @Test
    void theLosssParametersLearnAtTheirOwnRateAndStayOutOfTheNetwork() throws Exception {
        TrainConfig c = RecipeAndResumeTest.small().optLoss(LossKind.PROXY_ANCHOR).optIterations(3).optCheckpointEvery(0)
                .optLossLearningRateMultiplier(100).build();
        // One SGD step (momentum 0, cosine schedule at update 1 of 3): w ← w − lr(1)·100·g, by hand.
        try (NDManager m = NDManager.newBaseManager()) {
            var loss = Losses.fromConfig(c);
            loss.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, 2, 2, 0);
            ResumableOptimizer o = TrainingLoop.lossOptimizer(c, loss, 0, m);
            NDArray w = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            NDArray g = m.create(new float[] {0.5f, -1, 0.25f, 2}, new Shape(2, 2));
            float rate = new LearningRateSchedule(c, Set.of()).at(1) * 100;
            o.update("proxies", w, g);
            assertArrayEquals(new float[] {1 - rate * 0.5f, 2 + rate, 3 - rate * 0.25f, 4 - rate * 2}, w.toFloatArray(),
                    1e-6f);
        }
        Path run = dir.resolve("proxies");
        try (TrainedModel m = Training.train(c.toBuilder().optCheckpointEvery(1).build(), DATA, PRE, null, null, run,
                false)) {
            Set<String> trained = m.model().getBlock().getParameters().keys().stream().collect(Collectors.toSet());
            Set<String> network = TrainingLoop.architectureFor(c, new int[] {1, 28, 28}).build().getParameters().keys()
                    .stream().collect(Collectors.toSet());
            assertEquals(network, trained, "the network's parameters and nothing else");
        }
        // The proxies moved from their seeded start (5 classes × 16-d).
        LossState after = LossState.read(Checkpoint.dir(run).resolve(Checkpoint.LOSS_STATE));
        try (NDManager m = NDManager.newBaseManager()) {
            var fresh = Losses.fromConfig(c);
            fresh.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, 5, 16, c.seed());
            NDArray start = fresh.parameters().get("proxies");
            NDArray trained = m.zeros(new Shape(5, 16));
            after.copyInto("proxies", trained);
            assertFalse(java.util.Arrays.equals(start.toFloatArray(), trained.toFloatArray()), "the proxies learned");
        }
    }

    @Test
    void aCheckpointOfAnotherLossDoesNotResumeAProxyRun() throws Exception {
        Path run = dir.resolve("ms");
        TrainConfig ms = RecipeAndResumeTest.small().optIterations(8).build();
        try (TrainedModel m = Training.train(ms, DATA, PRE, null, null, run, false)) {
            assertEquals(8, m.losses().size());
        }
        assertFalse(Files.exists(Checkpoint.dir(run).resolve(Checkpoint.LOSS_STATE)), "MS keeps no loss state");
        TrainConfig proxy = ms.toBuilder().optLoss(LossKind.PROXY_ANCHOR).optIterations(12).build();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Training.train(proxy, DATA, PRE, null,
                null, run, true));
        assertTrue(e.getMessage().contains("keeps no loss.state") && e.getMessage().contains("config.json"),
                e.getMessage());
        // A memory of another size does not fit the saved one.
        Path xbmRun = dir.resolve("xbm");
        TrainConfig xbm = ms.toBuilder().optXbmSize(40).build();
        try (TrainedModel m = Training.train(xbm, DATA, PRE, null, null, xbmRun, false)) {
            assertEquals(8, m.losses().size());
        }
        TrainConfig bigger = xbm.toBuilder().optXbmSize(60).optIterations(12).build();
        e = assertThrows(UncheckedIOException.class, () -> Training.train(bigger, DATA, PRE, null, null, xbmRun, true));
        assertTrue(e.getMessage().contains("(40, 16)") && e.getMessage().contains("(60, 16)"), e.getMessage());
    }

    @Test
    void badLossSettingsAreRefusedBeforeTraining() {
        List<String> messages = new ArrayList<>();
        for (TrainConfig.Builder b : List.of(
                TrainConfig.builder().optLoss(LossKind.PROXY_ANCHOR).optEmbeddingExpansion(true),
                TrainConfig.builder().optLoss(LossKind.ARCFACE).optXbmSize(4096),
                TrainConfig.builder().optXbmSize(40),
                TrainConfig.builder().optLossLearningRateMultiplier(0),
                TrainConfig.builder().optLoss(LossKind.CIRCLE).optCircle(80, 1.5f))) {
            messages.add(assertThrows(IllegalArgumentException.class, b::build).getMessage());
        }
        assertTrue(messages.get(0).contains("train it without EE"), messages.get(0));
        assertTrue(messages.get(1).contains("train it without XBM"), messages.get(1));
        assertTrue(messages.get(2).contains("fewer than one batch of 80"), messages.get(2));
        assertTrue(messages.get(3).contains("lossLearningRateMultiplier must be positive"), messages.get(3));
        assertTrue(messages.get(4).contains("margin in [0, 1)"), messages.get(4));
        // K = 1 suits the losses that learn a vector per class.
        TrainConfig k1 = TrainConfig.builder().optLoss(LossKind.COSFACE).optBatch(16, 1).build();
        assertEquals(16, k1.batchSize());
    }

    @Test
    void theNewSettingsRoundTripThroughJson() {
        TrainConfig c = TrainConfig.builder().optLoss(LossKind.PROXY_ANCHOR).optProxyAnchor(16, 0.2f)
                .optLossLearningRateMultiplier(50).build();
        String json = c.toJson();
        assertTrue(json.contains("\"loss\": \"proxy-anchor\""), json);
        assertEquals(c, TrainConfig.fromJson(json, "config.json"));
        TrainConfig x = TrainConfig.fromJson("{\"loss\": \"circle\", \"xbmSize\": 8192, \"xbmWarmupIterations\": 100, "
                + "\"ee\": true}", "recipe.json");
        assertEquals(LossKind.CIRCLE, x.loss());
        assertEquals(8192, x.xbmSize());
        assertEquals("Circle loss + Embedding Expansion (n=2) + cross-batch memory (M=8192)", x.lossDescription());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("{\"loss\": \"proxyanchor\"}",
                "r.json")).getMessage().contains("proxy-anchor"));
        // An older config.json, without any of the new keys, keeps its meaning.
        assertEquals(0, TrainConfig.fromJson("{\"format\": \"simforge-train-config\", \"version\": 2}", "old.json")
                .xbmSize());
    }
}
