package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.device.DeviceSpec;
import io.simforge.models.Architecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typed settings: builder checks, JSON both ways, version 1 files, one message for a newer version. */
class TrainConfigTest {
    @Test
    void settingsRoundTripThroughJsonWithTheirHeader() {
        TrainConfig c = TrainConfig.builder().optArchitecture(Architecture.Kind.RESNET34).optPooling(Architecture.Pooling.MAX)
                .optBatch(8, 4).optOptimizer(TrainConfig.Optimizer.ADAMW).optSchedule(TrainConfig.Schedule.MULTISTEP)
                .optMilestones(100, 200).optDevice(DeviceSpec.parse("cuda:0,1")).optLoss(LossKind.TRIPLET)
                .optEmbeddingExpansion(true).optInitFrom("r.onnx").build();
        assertEquals(List.of(64), java.util.Arrays.stream(c.widths()).boxed().toList(), "a ResNet's standard width");
        String json = c.toJson();
        assertTrue(json.startsWith("{\n  \"format\": \"simforge-train-config\",\n  \"version\": 2,"), json);
        assertTrue(json.contains("\"architecture\": \"resnet34\"") && json.contains("\"device\": \"cuda:0,1\"")
                && json.contains("\"classesPerBatch\": 8") && !json.contains("batchSize"), json);
        TrainConfig back = TrainConfig.fromJson(json, "c.json");
        assertEquals(c, back);
        assertEquals(json, back.toJson());
        assertEquals(32, back.batchSize());
    }

    @Test
    void aVersionOneFileLoadsWithItsBatchSize() throws Exception {
        Path golden = Path.of("src/test/resources/io/simforge/train/golden/run-v1/config.json");
        String text = Files.readString(golden);
        assertTrue(!text.contains("\"format\"") && text.contains("\"batchSize\""), "the golden file is version 1");
        TrainConfig c = TrainConfig.fromJson(text, golden.toString());
        assertEquals(c.batchSize() / c.samplesPerClass(), c.classesPerBatch());
        TrainConfig legacy = TrainConfig.fromJson("{\"batchSize\": 60, \"samplesPerClass\": 6, \"device\": \"gpu:1\"}",
                "old.json");
        assertEquals(10, legacy.classesPerBatch());
        assertEquals(DeviceSpec.cuda(1), legacy.device());
        assertEquals("cuda:1", legacy.device().toString());
    }

    @Test
    void everyProblemIsReportedAtOnceAndANewerVersionGetsOneMessage() {
        String msg = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("{\"architecture\": "
                + "\"vgg\", \"loss\": \"softtriple\", \"iterations\": 0, \"learningRate\": -1}", "c.json")).getMessage();
        for (String part : new String[] {"architecture 'vgg' is unknown", "loss 'softtriple' is unknown",
            "iterations must be positive", "learningRate must be positive"}) {
            assertTrue(msg.contains(part), msg);
        }
        msg = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(
                "{\"format\": \"simforge-train-config\", \"version\": 9}", "future.json")).getMessage();
        assertEquals("future.json is a simforge train config file of version 9, newer than this simforge reads (up to "
                + "2): upgrade simforge", msg);
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson("{\"format\": \"something-else\"}",
                "x.json"));
    }

    @Test
    void settingsGivenAsKeyValuesAreCheckedLikeAFile() {
        TrainConfig c = TrainConfig.defaults().withSettings(List.of("optimizer=sgd", "milestones=[10,20]",
                "schedule=multistep", "batchSize=64", "samplesPerClass=8"));
        assertEquals(TrainConfig.Optimizer.SGD, c.optimizer());
        assertEquals(8, c.classesPerBatch(), "the older batchSize key still works: P = 64 / 8");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().withSettings(
                List.of("learningrate=0.1"))).getMessage().contains("unknown setting 'learningrate'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().withSettings(
                List.of("noequals"))).getMessage().contains("KEY=VALUE"));
    }

    @Test
    void theBuilderRefusesWhatCannotTrain() {
        String msg = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().optEmbeddingExpansion(true)
                .optBatch(4, 5).optGradientClip(1).optDevice(DeviceSpec.parse("cuda:all")).build()).getMessage();
        assertTrue(msg.contains("must be even, got 5") && msg.contains("gradient clipping is not supported with several "
                + "GPUs"), msg);
    }
}
